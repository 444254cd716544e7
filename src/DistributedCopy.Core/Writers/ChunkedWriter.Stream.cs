namespace DistributedCopy.Core.Writers;

// ChunkedWriter, part 4: a big stream. Entries by XRANGE a chunk at a time, then the last id and counters (XINFO STREAM),
// each consumer group's position (XINFO GROUPS), its consumers (XINFO CONSUMERS) and its pending entries (XPENDING in chunks,
// put back with XCLAIM … FORCE JUSTID with their delivery time and count).
internal sealed partial class ChunkedWriter
{
    private async Task<bool> StreamAsync(byte[] temp, CancellationToken cancellationToken)
    {
        var start = "-"u8.ToArray();
        var first = true;
        for (var count = 128; ; )
        {
            _command.Clear();
            _command.Command(6).Bulk("XRANGE"u8).Bulk(_key).Bulk(start).Bulk("+"u8).Bulk("COUNT"u8).Bulk(count);
            await ReadSourceAsync(_command, cancellationToken).ConfigureAwait(false);
            var (last, items, bytes) = Entries(_from.Frame, temp);
            if (items == 0)
            {
                break;
            }
            await SendChunkAsync(bytes, first, temp, cancellationToken).ConfigureAwait(false);
            first = false;
            start = [(byte)'(', .. last];
            if (items < count)
            {
                break;
            }
            count = NextCount(items, bytes);
        }
        if (first)
        {
            return false;
        }
        var modern = _target.Topology.RdbVersion >= 10;
        var info = Map(await SourceAsync(XInfo("STREAM", null), cancellationToken).ConfigureAwait(false));
        if (info.TryGetValue("last-generated-id", out var lastId))
        {
            var counters = modern && info.ContainsKey("entries-added") && info.ContainsKey("max-deleted-entry-id");
            _chunk.Command(counters ? 7 : 3).Bulk("XSETID"u8).Bulk(temp).Bulk(lastId);
            if (counters)
            {
                _chunk.Bulk("ENTRIESADDED"u8).Bulk(info["entries-added"]).Bulk("MAXDELETEDID"u8).Bulk(info["max-deleted-entry-id"]);
            }
        }
        foreach (var group in Maps(await SourceAsync(XInfo("GROUPS", null), cancellationToken).ConfigureAwait(false)))
        {
            var name = group.GetValueOrDefault("name", "");
            var entriesRead = modern && group.TryGetValue("entries-read", out var read) ? read : null;
            _chunk.Command(entriesRead is null ? 5 : 7).Bulk("XGROUP"u8).Bulk("CREATE"u8).Bulk(temp).Bulk(name).Bulk(group.GetValueOrDefault("last-delivered-id", "0-0"));
            if (entriesRead is not null)
            {
                _chunk.Bulk("ENTRIESREAD"u8).Bulk(entriesRead);
            }
            foreach (var consumer in Maps(await SourceAsync(XInfo("CONSUMERS", name), cancellationToken).ConfigureAwait(false)))
            {
                _chunk.Command(5).Bulk("XGROUP"u8).Bulk("CREATECONSUMER"u8).Bulk(temp).Bulk(name).Bulk(consumer.GetValueOrDefault("name", ""));
            }
            await SendChunkAsync(0, false, temp, cancellationToken).ConfigureAwait(false);
            await PendingAsync(temp, name, cancellationToken).ConfigureAwait(false);
        }
        await SendChunkAsync(0, false, temp, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The group's pending entries, a chunk at a time, each claimed back by its consumer with its delivery time and count.</summary>
    private async Task PendingAsync(byte[] temp, string group, CancellationToken cancellationToken)
    {
        var start = "-";
        while (true)
        {
            _command.Clear();
            _command.Command(6).Bulk("XPENDING"u8).Bulk(_key).Bulk(group).Bulk(start).Bulk("+"u8).Bulk(1000);
            await ReadSourceAsync(_command, cancellationToken).ConfigureAwait(false);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var pending = RespFrame.Array(_from.Frame);
            var count = pending.Count;
            while (pending.MoveNext(out var entry))
            {
                // [id, consumer, idle ms, deliveries]
                var parts = RespFrame.Array(entry);
                var id = RespFrame.String(parts.Next());
                _chunk.Command(12).Bulk("XCLAIM"u8).Bulk(temp).Bulk(group).Bulk(RespFrame.String(parts.Next())).Bulk(0).Bulk(id)
                    .Bulk("TIME"u8).Bulk(now - RespFrame.Integer(parts.Next())).Bulk("RETRYCOUNT"u8).Bulk(RespFrame.Integer(parts.Next())).Bulk("FORCE"u8).Bulk("JUSTID"u8);
                start = "(" + id;
            }
            if (count == 0)
            {
                return;
            }
            await SendChunkAsync(0, false, temp, cancellationToken).ConfigureAwait(false);
            if (count < 1000)
            {
                return;
            }
        }
    }

    private RespWriter XInfo(string what, string? group)
    {
        _command.Clear();
        _command.Command(group is null ? 3 : 4).Bulk("XINFO"u8).Bulk(what).Bulk(_key);
        return group is null ? _command : _command.Bulk(group);
    }

    /// <summary>One XADD per entry, with its id; returns the last id, the entries and their bytes.</summary>
    private (byte[] Last, int Items, long Bytes) Entries(ReadOnlySpan<byte> frame, byte[] temp)
    {
        var entries = RespFrame.Array(frame);
        var last = Array.Empty<byte>();
        long bytes = 0;
        while (entries.MoveNext(out var entry))
        {
            var pair = RespFrame.Array(entry);
            RespFrame.TryBulk(pair.Next(), out var id);
            last = id.ToArray();
            var fields = RespFrame.Array(pair.Next());
            _chunk.Command(3 + fields.Count).Bulk("XADD"u8).Bulk(temp).Bulk(id);
            while (fields.MoveNext(out var field))
            {
                RespFrame.TryBulk(field, out var value);
                _chunk.Bulk(value);
                bytes += value.Length;
            }
        }
        return (last, entries.Count, bytes);
    }

    private static Dictionary<string, string> Map(byte[] reply)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        TypedReader.Fields(reply, map);
        return map;
    }

    private static List<Dictionary<string, string>> Maps(byte[] reply)
    {
        var maps = new List<Dictionary<string, string>>();
        var items = RespFrame.Array(reply);
        while (items.MoveNext(out var item))
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            TypedReader.Fields(item, map);
            maps.Add(map);
        }
        return maps;
    }
}
