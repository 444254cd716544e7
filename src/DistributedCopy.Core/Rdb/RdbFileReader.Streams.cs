using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using DistributedCopy.Core.Pipelines;

namespace DistributedCopy.Core.Rdb;

// RdbFileReader, part 4: a stream decoded (its listpacks of entries, its ids and counters, its groups).
internal sealed partial class RdbFileReader
{
    private const int StreamDeleted = 1;
    private const int StreamSameFields = 2;

    private void DecodeStream(byte type, TypedValue into)
    {
        for (var n = ReadLength(); n > 0; n--)
        {
            var master = ReadString();
            StreamEntries(BinaryPrimitives.ReadUInt64BigEndian(master), BinaryPrimitives.ReadUInt64BigEndian(master.AsSpan(8)), ReadString(), into);
        }
        ReadLength();
        into.StreamInfo["last-generated-id"] = Id((ulong)ReadLength(), (ulong)ReadLength());
        if (type >= 19)
        {
            // first id (not needed), max deleted id, entries added
            ReadLength();
            ReadLength();
            into.StreamInfo["max-deleted-entry-id"] = Id((ulong)ReadLength(), (ulong)ReadLength());
            into.StreamInfo["entries-added"] = ReadLength().ToString(CultureInfo.InvariantCulture);
        }
        for (var groups = ReadLength(); groups > 0; groups--)
        {
            var group = new StreamGroup();
            group.Fields["name"] = Encoding.UTF8.GetString(ReadString());
            group.Fields["last-delivered-id"] = Id((ulong)ReadLength(), (ulong)ReadLength());
            if (type >= 19 && ReadLength() is var read and >= 0)
            {
                // -1 (saved as all ones) when Redis does not know how many entries the group has read
                group.Fields["entries-read"] = read.ToString(CultureInfo.InvariantCulture);
            }
            var pending = new Dictionary<string, (long Time, long Deliveries)>(StringComparer.Ordinal);
            for (var n = ReadLength(); n > 0; n--)
            {
                var id = Id(_in.ReadBytes(16));
                pending[id] = (BinaryPrimitives.ReadInt64LittleEndian(_in.ReadBytes(8)), ReadLength());
            }
            for (var consumers = ReadLength(); consumers > 0; consumers--)
            {
                var consumer = ReadString();
                group.Consumers.Add(consumer);
                _in.Skip(type >= 21 ? 16 : 8);
                for (var n = ReadLength(); n > 0; n--)
                {
                    var id = Id(_in.ReadBytes(16));
                    var (time, deliveries) = pending.GetValueOrDefault(id);
                    group.Pending.Add((Encoding.ASCII.GetBytes(id), consumer, time, deliveries));
                }
            }
            into.Groups.Add(group);
        }
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
}
