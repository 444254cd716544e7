using System.Text;

namespace DistributedCopy.Testing;

/// <summary>
/// Reads a value of Microsoft.Web.RedisSessionStateProvider 5.0's data key as SessionStateItemCollection.Deserialize
/// would (written from the format notes, apart from the copier's code): count; then, when there are items, the index of
/// the null-named item (-1), the names (7-bit length, UTF-8), each item's end offset in the value area, and the values,
/// each a type tag and its bytes. Throws where 5.0 would fail to read it.
/// </summary>
public static class SessionCollectionReader
{
    public static List<(string Name, byte Tag, byte[] Payload)> Read(byte[] blob)
    {
        using var reader = new BinaryReader(new MemoryStream(blob), Encoding.UTF8);
        var count = reader.ReadInt32();
        var items = new List<(string, byte, byte[])>();
        if (count == 0)
        {
            return reader.BaseStream.Position == blob.Length ? items : throw new InvalidDataException("bytes after an empty collection");
        }
        var nullKey = reader.ReadInt32();
        var names = new string[count];
        for (var i = 0; i < count; i++)
        {
            names[i] = i == nullKey ? "" : reader.ReadString();
        }
        var ends = Enumerable.Range(0, count).Select(_ => reader.ReadInt32()).ToArray();
        var area = reader.ReadBytes(ends[^1]);
        if (area.Length != ends[^1] || reader.BaseStream.Position != blob.Length)
        {
            throw new InvalidDataException($"the value area is {blob.Length - (reader.BaseStream.Position - area.Length)} bytes, the offsets say {ends[^1]}");
        }
        if (names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).Any(g => g.Count() > 1))
        {
            throw new InvalidDataException("two names equal but for case");
        }
        for (var i = 0; i < count; i++)
        {
            var start = i == 0 ? 0 : ends[i - 1];
            items.Add((names[i], area[start], area[(start + 1)..ends[i]]));
        }
        return items;
    }
}
