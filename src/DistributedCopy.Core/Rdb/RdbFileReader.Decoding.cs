using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using DistributedCopy.Core.Pipelines;

namespace DistributedCopy.Core.Rdb;

// RdbFileReader, part 3: a value decoded into its elements, for a target that cannot RESTORE the file's version.
internal sealed partial class RdbFileReader
{
    /// <summary>
    /// Reads one value of <paramref name="type"/> (a payload's bytes after its type byte, written by RDB version
    /// <paramref name="version"/>) into <paramref name="into"/>: a string's bytes, a list's elements, a set's members, a
    /// sorted set's members and scores, a hash's fields and values, a stream's entries, ids and consumer groups.
    /// </summary>
    public void Decode(byte type, int version, TypedValue into)
    {
        Version = version;
        into.Clear();
        into.Type = Rdb.RdbTypes.OfType(type);
        var items = into.Items;
        switch (type)
        {
            case 0:
                items.Add(ReadString());
                break;
            case 1 or 2:
                for (var n = ReadLength(); n > 0; n--)
                {
                    items.Add(ReadString());
                }
                break;
            case 3:
                for (var n = ReadLength(); n > 0; n--)
                {
                    items.Add(ReadString());
                    var length = _in.ReadByte();
                    items.Add(length switch { 253 => "nan"u8.ToArray(), 254 => "inf"u8.ToArray(), 255 => "-inf"u8.ToArray(), _ => _in.ReadBytes(length) });
                }
                break;
            case 4:
                for (var n = ReadLength() * 2; n > 0; n--)
                {
                    items.Add(ReadString());
                }
                break;
            case 5:
                for (var n = ReadLength(); n > 0; n--)
                {
                    items.Add(ReadString());
                    items.Add(Score(BinaryPrimitives.ReadDoubleLittleEndian(_in.ReadBytes(8))));
                }
                break;
            case 9:
                RdbBlobs.Zipmap(ReadString(), items);
                break;
            case 10 or 12 or 13:
                RdbBlobs.Ziplist(ReadString(), items);
                break;
            case 11:
                RdbBlobs.Intset(ReadString(), items);
                break;
            case 14:
                for (var n = ReadLength(); n > 0; n--)
                {
                    RdbBlobs.Ziplist(ReadString(), items);
                }
                break;
            case 16 or 17 or 20:
                RdbBlobs.Listpack(ReadString(), items);
                break;
            case 18:
                for (var n = ReadLength(); n > 0; n--)
                {
                    // a node is one plain element (1) or a listpack of them (2)
                    if (ReadLength() == 1)
                    {
                        items.Add(ReadString());
                    }
                    else
                    {
                        RdbBlobs.Listpack(ReadString(), items);
                    }
                }
                break;
            case 15 or 19 or 21:
                DecodeStream(type, into);
                break;
            default:
                throw new CopyException($"value type {type} cannot be written by type");
        }
    }

    /// <summary>Scores as Redis prints them: the shortest text that reads back as the same double; inf and -inf.</summary>
    private static byte[] Score(double score) => Encoding.ASCII.GetBytes(double.IsPositiveInfinity(score) ? "inf" : double.IsNegativeInfinity(score) ? "-inf" : score.ToString("R", CultureInfo.InvariantCulture));

    private static string Id(ulong ms, ulong seq) => string.Create(CultureInfo.InvariantCulture, $"{ms}-{seq}");

    private static string Id(ReadOnlySpan<byte> raw) => Id(BinaryPrimitives.ReadUInt64BigEndian(raw), BinaryPrimitives.ReadUInt64BigEndian(raw[8..]));
}
