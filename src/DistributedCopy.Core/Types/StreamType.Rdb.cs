using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace DistributedCopy.Core.Types;

// StreamType, part 3: a stream decoded from an RDB payload (its listpacks of entries, its ids and counters, its groups).
// Object type 15 is Redis 5's, 19 adds the counters and each group's entries-read (Redis 7.0), 21 each consumer's active time (7.2).
internal sealed partial class StreamType
{
    private const int StreamDeleted = 1;
    private const int StreamSameFields = 2;

    public override void Decode(RdbFileReader reader, byte rdbType, TypedValue into)
    {
        for (var n = reader.ReadLength(); n > 0; n--)
        {
            var master = reader.ReadString();
            StreamEntries(BinaryPrimitives.ReadUInt64BigEndian(master), BinaryPrimitives.ReadUInt64BigEndian(master.AsSpan(8)), reader.ReadString(), into);
        }
        reader.ReadLength();
        into.StreamInfo["last-generated-id"] = Id((ulong)reader.ReadLength(), (ulong)reader.ReadLength());
        if (rdbType >= 19)
        {
            // first id (not needed), max deleted id, entries added
            reader.ReadLength();
            reader.ReadLength();
            into.StreamInfo["max-deleted-entry-id"] = Id((ulong)reader.ReadLength(), (ulong)reader.ReadLength());
            into.StreamInfo["entries-added"] = reader.ReadLength().ToString(CultureInfo.InvariantCulture);
        }
        for (var groups = reader.ReadLength(); groups > 0; groups--)
        {
            into.Groups.Add(DecodeGroup(reader, rdbType));
        }
    }

    private static StreamGroup DecodeGroup(RdbFileReader reader, byte rdbType)
    {
        var group = new StreamGroup();
        group.Fields["name"] = Encoding.UTF8.GetString(reader.ReadString());
        group.Fields["last-delivered-id"] = Id((ulong)reader.ReadLength(), (ulong)reader.ReadLength());
        if (rdbType >= 19 && reader.ReadLength() is var read and >= 0)
        {
            // -1 (saved as all ones) when Redis does not know how many entries the group has read
            group.Fields["entries-read"] = read.ToString(CultureInfo.InvariantCulture);
        }
        var pending = new Dictionary<string, (long Time, long Deliveries)>(StringComparer.Ordinal);
        for (var n = reader.ReadLength(); n > 0; n--)
        {
            var id = Id(reader.In.ReadBytes(16));
            pending[id] = (BinaryPrimitives.ReadInt64LittleEndian(reader.In.ReadBytes(8)), reader.ReadLength());
        }
        for (var consumers = reader.ReadLength(); consumers > 0; consumers--)
        {
            var consumer = reader.ReadString();
            group.Consumers.Add(consumer);
            reader.In.Skip(rdbType >= 21 ? 16 : 8);
            for (var n = reader.ReadLength(); n > 0; n--)
            {
                var id = Id(reader.In.ReadBytes(16));
                var (time, deliveries) = pending.GetValueOrDefault(id);
                group.Pending.Add((Encoding.ASCII.GetBytes(id), consumer, time, deliveries));
            }
        }
        return group;
    }

    /// <summary>
    /// One listpack of a stream: a master entry (count, deleted, its fields, 0), then each entry as flags, id as a
    /// difference from the master id, its values (the master's fields) or its own fields and values, and its element count.
    /// </summary>
    private static void StreamEntries(ulong masterMs, ulong masterSeq, byte[] listpack, TypedValue into)
    {
        var elements = new List<byte[]>();
        RdbBlobs.Listpack(listpack, elements);
        var at = 0;
        var count = Number(elements[at++]) + Number(elements[at++]);
        var masterFields = elements.GetRange(at + 1, (int)Number(elements[at]));
        at += 1 + masterFields.Count + 1;
        for (; count > 0; count--)
        {
            var flags = Number(elements[at++]);
            var id = Id(masterMs + (ulong)Number(elements[at++]), masterSeq + (ulong)Number(elements[at++]));
            var fields = new List<byte[]>();
            if ((flags & StreamSameFields) != 0)
            {
                foreach (var field in masterFields)
                {
                    fields.Add(field);
                    fields.Add(elements[at++]);
                }
            }
            else
            {
                for (var n = Number(elements[at++]) * 2; n > 0; n--)
                {
                    fields.Add(elements[at++]);
                }
            }
            at++;
            if ((flags & StreamDeleted) == 0)
            {
                into.Entries.Add((Encoding.ASCII.GetBytes(id), fields));
            }
        }
    }

    private static long Number(byte[] text) => long.Parse(Encoding.ASCII.GetString(text), CultureInfo.InvariantCulture);

    private static string Id(ulong ms, ulong seq) => string.Create(CultureInfo.InvariantCulture, $"{ms}-{seq}");

    private static string Id(ReadOnlySpan<byte> raw) => Id(BinaryPrimitives.ReadUInt64BigEndian(raw), BinaryPrimitives.ReadUInt64BigEndian(raw[8..]));
}
