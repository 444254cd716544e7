using System.Globalization;
using System.Text;

namespace DistributedCopy.Core.Types;

/// <summary>
/// A stream: its entries with their ids, its last id and counters, and its consumer groups with their positions, consumers
/// and pending entries. Read whole by XINFO STREAM … FULL, written by XADD, XSETID, XGROUP and XCLAIM … FORCE JUSTID,
/// compared by XRANGE on both sides. A big one is copied in <c>StreamType.Chunked.cs</c>; RDB object types 15, 19 and 21
/// are decoded in <c>StreamType.Rdb.cs</c>.
/// </summary>
internal sealed partial class StreamType() : DataType("stream", 15, 19, 21)
{
    // one reply with the entries, the counters, the groups, their consumers and pending entries (Redis 6 and later)
    public override string[][] ReadCommands { get; } = [["XINFO", "STREAM", "FULL", "COUNT", "0"]];

    public override string[][] CanonicalCommands { get; } = [["XRANGE", "-", "+"], ["XINFO", "GROUPS"]];

    public override string LengthCommand => "XLEN";

    /// <summary>XINFO STREAM key FULL: a flat field/value reply whose entries and groups are nested.</summary>
    public override void Parse(TypedValue value, ReadOnlySpan<byte> frame)
    {
        Fields(frame, value.StreamInfo);
        var fields = RespFrame.Array(frame);
        while (fields.MoveNext(out var name) && fields.MoveNext(out var field))
        {
            switch (RespFrame.String(name))
            {
                case "entries":
                    var entries = RespFrame.Array(field);
                    while (entries.MoveNext(out var entry))
                    {
                        var pair = RespFrame.Array(entry);
                        var id = Bytes(pair.Next());
                        value.Entries.Add((id, Items(pair.Next())));
                    }
                    break;
                case "groups":
                    var groups = RespFrame.Array(field);
                    while (groups.MoveNext(out var groupFrame))
                    {
                        value.Groups.Add(ParseGroup(groupFrame));
                    }
                    break;
            }
        }
    }

    /// <summary>Entries with their ids, then the last id and counters (Redis 7 targets), then the groups' positions.</summary>
    public override int Write(RespWriter writer, ReadOnlySpan<byte> key, TypedValue value, int itemsPerCommand, bool modern)
    {
        var commands = 0;
        if (value.Entries.Count == 0)
        {
            // XADD cannot make an empty stream: add and delete a first entry, XSETID below puts the real last id back
            writer.Command(5).Bulk("XADD"u8).Bulk(key).Bulk("0-1"u8).Bulk("_"u8).Bulk("_"u8);
            writer.Command(3).Bulk("XDEL"u8).Bulk(key).Bulk("0-1"u8);
            commands += 2;
        }
        foreach (var (id, fields) in value.Entries)
        {
            writer.Command(3 + fields.Count).Bulk("XADD"u8).Bulk(key).Bulk(id);
            foreach (var field in fields)
            {
                writer.Bulk(field);
            }
            commands++;
        }
        if (value.StreamInfo.TryGetValue("last-generated-id", out var last))
        {
            WriteLastId(writer, key, last, value.StreamInfo, modern);
            commands++;
        }
        foreach (var group in value.Groups)
        {
            var name = group.Fields.GetValueOrDefault("name", "");
            WriteGroup(writer, key, group.Fields, modern);
            commands++;
            // consumers, then each pending entry back with its consumer, delivery time and count (JUSTID: not counted again)
            foreach (var consumer in group.Consumers)
            {
                writer.Command(5).Bulk("XGROUP"u8).Bulk("CREATECONSUMER"u8).Bulk(key).Bulk(name).Bulk(consumer);
                commands++;
            }
            foreach (var (id, consumer, time, deliveries) in group.Pending)
            {
                Claim(writer, key, name, consumer, id, time, deliveries);
                commands++;
            }
        }
        return commands;
    }

    /// <summary>XRANGE a chunk at a time on both sides, the same reply bytes each time.</summary>
    public override async Task<bool> CompareChunkedAsync(ComparedKey pair, long length, CancellationToken cancellationToken)
    {
        var start = "-";
        while (true)
        {
            var a = await pair.SourceAsync(cancellationToken, "XRANGE", pair.Key, start, "+", "COUNT", pair.ChunkItems).ConfigureAwait(false);
            var b = await pair.TargetAsync(cancellationToken, "XRANGE", pair.TargetKey, start, "+", "COUNT", pair.ChunkItems).ConfigureAwait(false);
            if (!a.AsSpan().SequenceEqual(b))
            {
                return false;
            }
            var (last, entries) = LastId(a);
            if (entries < pair.ChunkItems)
            {
                return true;
            }
            start = "(" + last;
        }
    }

    /// <summary>Entries, counters and groups (their fields, consumers sorted, the number of pending entries) as text.</summary>
    public override List<string> Canonical(TypedValue value)
    {
        var text = base.Canonical(value);
        foreach (var (id, fields) in value.Entries)
        {
            text.Add(Encoding.ASCII.GetString(id) + ":" + string.Join(",", fields.Select(Convert.ToBase64String)));
        }
        text.AddRange(value.StreamInfo.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));
        text.AddRange(value.Groups.Select(g => string.Join(";", g.Fields.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value))
            + ";" + string.Join(",", g.Consumers.Select(Convert.ToBase64String).Order(StringComparer.Ordinal)) + ";" + g.Pending.Count.ToString(CultureInfo.InvariantCulture)));
        return text;
    }

    /// <summary>The scalar fields of a flat field/value reply (XINFO's); nested values are passed over.</summary>
    public static void Fields(ReadOnlySpan<byte> frame, Dictionary<string, string> into)
    {
        var pairs = RespFrame.Array(frame);
        while (pairs.MoveNext(out var name) && pairs.MoveNext(out var field))
        {
            if (field[0] is (byte)':' or (byte)'$' or (byte)'+' && !RespFrame.IsNull(field))
            {
                into[RespFrame.String(name)] = field[0] == (byte)':' ? RespFrame.Integer(field).ToString(CultureInfo.InvariantCulture) : RespFrame.String(field);
            }
        }
    }

    /// <summary>XSETID with the entries-added and max-deleted-entry-id counters when the target takes them (Redis 7).</summary>
    private static void WriteLastId(RespWriter writer, ReadOnlySpan<byte> key, string last, Dictionary<string, string> info, bool modern)
    {
        var counters = modern && info.ContainsKey("entries-added") && info.ContainsKey("max-deleted-entry-id");
        writer.Command(counters ? 7 : 3).Bulk("XSETID"u8).Bulk(key).Bulk(last);
        if (counters)
        {
            writer.Bulk("ENTRIESADDED"u8).Bulk(info["entries-added"]).Bulk("MAXDELETEDID"u8).Bulk(info["max-deleted-entry-id"]);
        }
    }

    /// <summary>XGROUP CREATE at the group's last delivered id, with its entries-read when the target takes it (Redis 7).</summary>
    private static void WriteGroup(RespWriter writer, ReadOnlySpan<byte> key, Dictionary<string, string> group, bool modern)
    {
        var entriesRead = modern && group.TryGetValue("entries-read", out var read) ? read : null;
        writer.Command(entriesRead is null ? 5 : 7).Bulk("XGROUP"u8).Bulk("CREATE"u8).Bulk(key).Bulk(group.GetValueOrDefault("name", ""))
            .Bulk(group.GetValueOrDefault("last-delivered-id", "0-0"));
        if (entriesRead is not null)
        {
            writer.Bulk("ENTRIESREAD"u8).Bulk(entriesRead);
        }
    }

    /// <summary>A pending entry given back to its consumer with its delivery time and count (JUSTID: not counted again).</summary>
    private static void Claim(RespWriter writer, ReadOnlySpan<byte> key, string group, ReadOnlySpan<byte> consumer, ReadOnlySpan<byte> id, long time, long deliveries) =>
        writer.Command(12).Bulk("XCLAIM"u8).Bulk(key).Bulk(group).Bulk(consumer).Bulk(0).Bulk(id)
            .Bulk("TIME"u8).Bulk(time).Bulk("RETRYCOUNT"u8).Bulk(deliveries).Bulk("FORCE"u8).Bulk("JUSTID"u8);

    private static StreamGroup ParseGroup(ReadOnlySpan<byte> frame)
    {
        var group = new StreamGroup();
        Fields(frame, group.Fields);
        var fields = RespFrame.Array(frame);
        while (fields.MoveNext(out var name) && fields.MoveNext(out var field))
        {
            switch (RespFrame.String(name))
            {
                case "pending" or "pel":
                    var pel = RespFrame.Array(field);
                    while (pel.MoveNext(out var pending))
                    {
                        // [id, consumer, delivery-time, delivery-count]
                        var parts = RespFrame.Array(pending);
                        group.Pending.Add((Bytes(parts.Next()), Bytes(parts.Next()), RespFrame.Integer(parts.Next()), RespFrame.Integer(parts.Next())));
                    }
                    break;
                case "consumers":
                    var consumers = RespFrame.Array(field);
                    while (consumers.MoveNext(out var consumer))
                    {
                        var consumerFields = new Dictionary<string, string>(StringComparer.Ordinal);
                        Fields(consumer, consumerFields);
                        group.Consumers.Add(Encoding.UTF8.GetBytes(consumerFields.GetValueOrDefault("name", "")));
                    }
                    break;
            }
        }
        return group;
    }

    private static (string Last, int Entries) LastId(byte[] reply)
    {
        var entries = RespFrame.Array(reply);
        var last = "";
        while (entries.MoveNext(out var entry))
        {
            last = RespFrame.String(RespFrame.Array(entry).Next());
        }
        return (last, entries.Count);
    }
}
