namespace DistributedCopy.Core.Types;

// StreamType, part 2: a big stream copied a chunk at a time. Entries by XRANGE, then the last id and counters (XINFO STREAM),
// each consumer group's position (XINFO GROUPS), its consumers (XINFO CONSUMERS) and its pending entries (XPENDING in chunks,
// put back with XCLAIM … FORCE JUSTID with their delivery time and count).
internal sealed partial class StreamType
{
    public override async Task<bool> CopyChunkedAsync(IChunkedCopy copy, CancellationToken cancellationToken)
    {
        var start = "-"u8.ToArray();
        var first = true;
        for (var count = 128; ; )
        {
            var read = copy.NewRead().Command(6).Bulk("XRANGE"u8).Bulk(copy.Key).Bulk(start).Bulk("+"u8).Bulk("COUNT"u8).Bulk(count);
            await copy.ReadAsync(read, cancellationToken).ConfigureAwait(false);
            var (last, items, bytes) = Entries(copy);
            if (items == 0)
            {
                break;
            }
            await copy.SendAsync(bytes, first, cancellationToken).ConfigureAwait(false);
            first = false;
            start = [(byte)'(', .. last];
            if (items < count)
            {
                break;
            }
            count = copy.NextCount(items, bytes);
        }
        if (first)
        {
            return false;
        }
        var info = Map(await copy.SourceAsync(XInfo(copy, "STREAM", null), cancellationToken).ConfigureAwait(false));
        if (info.TryGetValue("last-generated-id", out var lastId))
        {
            WriteLastId(copy.Chunk, copy.Temp, lastId, info, copy.Modern);
        }
        foreach (var group in Maps(await copy.SourceAsync(XInfo(copy, "GROUPS", null), cancellationToken).ConfigureAwait(false)))
        {
            var name = group.GetValueOrDefault("name", "");
            WriteGroup(copy.Chunk, copy.Temp, group, copy.Modern);
            foreach (var consumer in ConsumerNames(await copy.SourceAsync(XInfo(copy, "CONSUMERS", name), cancellationToken).ConfigureAwait(false)))
            {
                copy.Chunk.Command(5).Bulk("XGROUP"u8).Bulk("CREATECONSUMER"u8).Bulk(copy.Temp).Bulk(name).Bulk(consumer);
            }
            await copy.SendAsync(0, false, cancellationToken).ConfigureAwait(false);
            await PendingAsync(copy, name, cancellationToken).ConfigureAwait(false);
        }
        await copy.SendAsync(0, false, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The group's pending entries, a chunk at a time, each claimed back by its consumer with its delivery time and count.</summary>
    private static async Task PendingAsync(IChunkedCopy copy, string group, CancellationToken cancellationToken)
    {
        var start = "-";
        while (true)
        {
            var read = copy.NewRead().Command(6).Bulk("XPENDING"u8).Bulk(copy.Key).Bulk(group).Bulk(start).Bulk("+"u8).Bulk(1000);
            await copy.ReadAsync(read, cancellationToken).ConfigureAwait(false);
            var (count, last) = ClaimAll(copy, group);
            if (count == 0)
            {
                return;
            }
            start = "(" + last;
            await copy.SendAsync(0, false, cancellationToken).ConfigureAwait(false);
            if (count < 1000)
            {
                return;
            }
        }
    }

    /// <summary>XPENDING's reply ([id, consumer, idle ms, deliveries] each) claimed back on the temporary key; returns the count and last id.</summary>
    private static (int Count, string Last) ClaimAll(IChunkedCopy copy, string group)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var pending = RespFrame.Array(copy.Reply);
        var last = "";
        while (pending.MoveNext(out var entry))
        {
            var parts = RespFrame.Array(entry);
            var id = parts.Next();
            last = RespFrame.String(id);
            RespFrame.TryBulk(id, out var idBytes);
            RespFrame.TryBulk(parts.Next(), out var consumer);
            Claim(copy.Chunk, copy.Temp, group, consumer, idBytes, now - RespFrame.Integer(parts.Next()), RespFrame.Integer(parts.Next()));
        }
        return (pending.Count, last);
    }

    private static RespWriter XInfo(IChunkedCopy copy, string what, string? group)
    {
        var read = copy.NewRead().Command(group is null ? 3 : 4).Bulk("XINFO"u8).Bulk(what).Bulk(copy.Key);
        return group is null ? read : read.Bulk(group);
    }

    /// <summary>One XADD per entry, with its id; returns the last id, the entries and their bytes.</summary>
    private static (byte[] Last, int Items, long Bytes) Entries(IChunkedCopy copy)
    {
        var entries = RespFrame.Array(copy.Reply);
        var last = Array.Empty<byte>();
        long bytes = 0;
        while (entries.MoveNext(out var entry))
        {
            var pair = RespFrame.Array(entry);
            RespFrame.TryBulk(pair.Next(), out var id);
            last = id.ToArray();
            var fields = RespFrame.Array(pair.Next());
            copy.Chunk.Command(3 + fields.Count).Bulk("XADD"u8).Bulk(copy.Temp).Bulk(id);
            while (fields.MoveNext(out var field))
            {
                RespFrame.TryBulk(field, out var value);
                copy.Chunk.Bulk(value);
                bytes += value.Length;
            }
        }
        return (last, entries.Count, bytes);
    }

    /// <summary>XINFO CONSUMERS' names as the server sent their bytes (as XPENDING's, which claim entries back to them).</summary>
    private static List<byte[]> ConsumerNames(byte[] reply)
    {
        var names = new List<byte[]>();
        var consumers = RespFrame.Array(reply);
        while (consumers.MoveNext(out var consumer))
        {
            var fields = RespFrame.Array(consumer);
            while (fields.MoveNext(out var field) && fields.MoveNext(out var value))
            {
                if (RespFrame.String(field) == "name")
                {
                    names.Add(Bytes(value));
                    break;
                }
            }
        }
        return names;
    }

    private static Dictionary<string, string> Map(byte[] reply)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        Fields(reply, map);
        return map;
    }

    private static List<Dictionary<string, string>> Maps(byte[] reply)
    {
        var maps = new List<Dictionary<string, string>>();
        var items = RespFrame.Array(reply);
        while (items.MoveNext(out var item))
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            Fields(item, map);
            maps.Add(map);
        }
        return maps;
    }
}
