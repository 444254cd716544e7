using System.Text;

namespace DistributedCopy.Core.Transforms;

/// <summary>
/// <c>--preset aspnet-session-v5</c>: sessions of Microsoft.Web.RedisSessionStateProvider before 5.0 carried over to 5.0's
/// keys and format (docs/aspnet-session-v5.md). <c>{app_id}_Data</c>, a hash of one BinaryFormatter stream per item,
/// becomes the string <c>{app_id}_SessionStateItemCollection</c> holding SessionStateItemCollection's own serialization,
/// each item's bytes carried as they are under the collection's Object tag (a null marker becomes the Null tag);
/// <c>{app_id}_Internal</c>, a hash whose field SessionTimeout holds seconds, becomes the string
/// <c>{app_id}_SessionTimeout</c>; lock keys (<c>_Write_Lock</c>) are not carried over: a lock belongs to a request in
/// flight on the old provider. Expiry is kept. No object is deserialized.
/// </summary>
public static class AspNetSessionV5
{
    public const string Name = "aspnet-session-v5";

    /// <summary>SessionStateItemCollection's type tags (System.Web's AltSerialization) used here.</summary>
    public const byte ObjectTag = 20;

    public const byte NullTag = 21;

    /// <summary>What a source key is to the preset.</summary>
    public enum Role { None, Data, Timeout }

    /// <summary>The 17-byte header every BinaryFormatter stream starts with.</summary>
    private static readonly byte[] Header = [0x00, 0x01, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

    private static readonly byte[] NullClass = Encoding.ASCII.GetBytes("Microsoft.Web.Redis.RedisNull");

    /// <summary>The selection with the preset's renames (before the operator's) and its lock keys left out.</summary>
    public static KeySelection Apply(KeySelection selection) => selection with
    {
        Renames = [KeyRename.Parse(@"^(\{.*\})_Data$=$1_SessionStateItemCollection"), KeyRename.Parse(@"^(\{.*\})_Internal$=$1_SessionTimeout"), .. selection.Renames],
        Exclude = [.. selection.Exclude, Encoding.ASCII.GetBytes("{*}_Write_Lock")],
        Preset = Name,
    };

    public static Role Of(ReadOnlySpan<byte> key) =>
        key.Length < 3 || key[0] != (byte)'{' ? Role.None
        : key.EndsWith("}_Data"u8) ? Role.Data
        : key.EndsWith("}_Internal"u8) ? Role.Timeout
        : Role.None;

    /// <summary>The old provider's null marker: a BinaryFormatter stream of Microsoft.Web.Redis.RedisNull.</summary>
    public static bool IsNullMarker(ReadOnlySpan<byte> value) => value.StartsWith(Header) && value.IndexOf(NullClass) >= 0;

    /// <summary>Written by the old provider's default serializer (BinaryFormatter), not a custom redisSerializerType.</summary>
    public static bool IsBinaryFormatter(ReadOnlySpan<byte> value) => value.StartsWith(Header) && value[^1] == 0x0B;

    /// <summary>
    /// The 5.0 value of an old data hash (field, value in HGETALL order): count, no null key (-1), the names, each item's
    /// end offset, then each item as a tag and its bytes. Null when an item was not written by BinaryFormatter (a custom
    /// serializer's bytes cannot be carried over). Names equal but for case keep their first (5.0 would not read both).
    /// </summary>
    public static byte[]? Convert(IReadOnlyList<(byte[] Name, byte[] Value)> fields)
    {
        var items = new List<(byte[] Name, byte[] Value)>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var field in fields)
        {
            if (!IsBinaryFormatter(field.Value))
            {
                return null;
            }
            if (seen.Add(Encoding.UTF8.GetString(field.Name)))
            {
                items.Add(field);
            }
        }
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(items.Count);
            if (items.Count > 0)
            {
                writer.Write(-1);
                foreach (var (name, _) in items)
                {
                    writer.Write7BitEncodedInt(name.Length);
                    writer.Write(name);
                }
                var end = 0;
                foreach (var (_, value) in items)
                {
                    end += IsNullMarker(value) ? 1 : 1 + value.Length;
                    writer.Write(end);
                }
                foreach (var (_, value) in items)
                {
                    if (IsNullMarker(value))
                    {
                        writer.Write(NullTag);
                    }
                    else
                    {
                        writer.Write(ObjectTag);
                        writer.Write(value);
                    }
                }
            }
        }
        return stream.ToArray();
    }

    /// <summary>An HGETALL reply's fields and values, as their bytes (none: the key is gone).</summary>
    public static List<(byte[] Name, byte[] Value)> Fields(ReadOnlySpan<byte> reply)
    {
        var fields = new List<(byte[] Name, byte[] Value)>();
        var items = RespFrame.Array(reply);
        while (items.MoveNext(out var name) && items.MoveNext(out var value))
        {
            RespFrame.TryBulk(name, out var n);
            RespFrame.TryBulk(value, out var v);
            fields.Add((n.ToArray(), v.ToArray()));
        }
        return fields;
    }

    /// <summary>A 5.0 collection's items as plan shows them: name, what the tag says, bytes.</summary>
    public static IReadOnlyList<string> Describe(byte[] blob)
    {
        using var reader = new BinaryReader(new MemoryStream(blob), Encoding.UTF8);
        var count = reader.ReadInt32();
        if (count == 0)
        {
            return [];
        }
        reader.ReadInt32();
        var names = Enumerable.Range(0, count).Select(_ => Encoding.UTF8.GetString(reader.ReadBytes(reader.Read7BitEncodedInt()))).ToList();
        var ends = Enumerable.Range(0, count).Select(_ => reader.ReadInt32()).ToList();
        var start = (int)reader.BaseStream.Position;
        return names.Select((name, i) =>
        {
            var from = i == 0 ? 0 : ends[i - 1];
            var tag = blob[start + from];
            return tag == NullTag ? $"{name}: null" : $"{name}: {(tag == ObjectTag ? "object" : $"tag {tag}")}, {ends[i] - from - 1:N0} bytes";
        }).ToList();
    }
}
