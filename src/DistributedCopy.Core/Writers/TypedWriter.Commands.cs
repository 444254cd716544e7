
namespace DistributedCopy.Core.Writers;

// TypedWriter, part 2: each key as one MULTI/EXEC of its type's commands, and what the replies say.
internal sealed partial class TypedWriter
{
    private async Task WriteValuesAsync(KeyBatch batch, List<int> keys, List<int> write, CancellationToken cancellationToken)
    {
        if (write.Count == 0)
        {
            return;
        }
        var route = Route(batch, keys, write);
        var queued = new Dictionary<int, int>();
        foreach (var k in write)
        {
            var writer = _target.Writer(route[k]);
            var key = batch.TargetKey(keys[k]);
            writer.Command(1).Bulk("MULTI"u8);
            var commands = 0;
            if (options.Policy == OverwritePolicy.Replace)
            {
                writer.Command(2).Bulk("DEL"u8).Bulk(key);
                commands++;
            }
            commands += WriteValue(writer, key, _values[k]);
            if (batch.Expiry[keys[k]] >= 0)
            {
                writer.Command(3).Bulk("PEXPIREAT"u8).Bulk(key).Bulk(batch.Expiry[keys[k]]);
                commands++;
            }
            writer.Command(1).Bulk("EXEC"u8);
            queued[k] = commands;
        }
        try
        {
            options.Fence?.Check();
            await _target.SendAllAsync(cancellationToken).ConfigureAwait(false);
            for (var shard = 0; shard < _target.Topology.Shards.Count; shard++)
            {
                if (!_target.HasCommands(shard))
                {
                    continue;
                }
                var connection = await _target.ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
                foreach (var k in write.Where(k => route[k] == shard))
                {
                    var node = _target.Topology.Shards[shard].Master.Address;
                    string? refused = null;
                    for (var reply = 0; reply < queued[k] + 2; reply++)
                    {
                        await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                        if (RespFrame.IsError(connection.Frame))
                        {
                            refused ??= RespFrame.ErrorText(connection.Frame);
                        }
                        else if (reply == queued[k] + 1)
                        {
                            refused ??= FirstError(connection.Frame);
                        }
                    }
                    if (refused is not null)
                    {
                        throw Refusal(batch.TargetKey(keys[k]), node, refused);
                    }
                }
            }
            // written only once a replica holds them, as RESTOREs are: a target failover now cannot lose keys counted as copied
            await _target.AcknowledgedAsync(write.Select(k => route[k]), options, cancellationToken).ConfigureAwait(false);
            foreach (var k in write)
            {
                batch.State[keys[k]] = KeyState.Copied;
                progress.AddTyped(1);
            }
        }
        finally
        {
            _target.ClearWriters();
        }
    }

    /// <summary>The value's commands (after MULTI); returns how many.</summary>
    private int WriteValue(RespWriter writer, ReadOnlySpan<byte> key, TypedValue value)
    {
        switch (value.Type)
        {
            case "string":
                writer.Command(3).Bulk("SET"u8).Bulk(key).BulkReference(value.Items[0]);
                return 1;
            case "hash":
                return Chunked(writer, "HSET"u8, key, value.Items, pairs: true, swap: false);
            case "set":
                return Chunked(writer, "SADD"u8, key, value.Items, pairs: false, swap: false);
            case "zset":
                // ZRANGE gives member, score; ZADD takes score, member (scores as Redis printed them: exact, inf included)
                return Chunked(writer, "ZADD"u8, key, value.Items, pairs: true, swap: true);
            case "list":
                return Chunked(writer, "RPUSH"u8, key, value.Items, pairs: false, swap: false);
            default:
                return WriteStream(writer, key, value);
        }
    }

    private static int Chunked(RespWriter writer, ReadOnlySpan<byte> command, ReadOnlySpan<byte> key, List<byte[]> items, bool pairs, bool swap)
    {
        var commands = 0;
        var step = pairs ? ItemsPerCommand & ~1 : ItemsPerCommand;
        for (var start = 0; start < items.Count; start += step)
        {
            var count = Math.Min(step, items.Count - start);
            writer.Command(2 + count).Bulk(command).Bulk(key);
            for (var i = start; i < start + count; i += pairs ? 2 : 1)
            {
                if (swap)
                {
                    writer.Bulk(items[i + 1]).Bulk(items[i]);
                }
                else if (pairs)
                {
                    writer.Bulk(items[i]).Bulk(items[i + 1]);
                }
                else
                {
                    writer.Bulk(items[i]);
                }
            }
            commands++;
        }
        return commands;
    }

    /// <summary>Entries with their ids, then the last id and counters (Redis 7 targets), then the groups' positions.</summary>
    private int WriteStream(RespWriter writer, ReadOnlySpan<byte> key, TypedValue value)
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
        var modern = _target.Topology.RdbVersion >= 10;
        if (value.StreamInfo.TryGetValue("last-generated-id", out var last))
        {
            var counters = modern && value.StreamInfo.ContainsKey("entries-added") && value.StreamInfo.ContainsKey("max-deleted-entry-id");
            writer.Command(counters ? 7 : 3).Bulk("XSETID"u8).Bulk(key).Bulk(last);
            if (counters)
            {
                writer.Bulk("ENTRIESADDED"u8).Bulk(value.StreamInfo["entries-added"]).Bulk("MAXDELETEDID"u8).Bulk(value.StreamInfo["max-deleted-entry-id"]);
            }
            commands++;
        }
        foreach (var group in value.Groups)
        {
            var name = group.Fields.GetValueOrDefault("name", "");
            var entriesRead = modern && group.Fields.TryGetValue("entries-read", out var read) ? read : null;
            writer.Command(entriesRead is null ? 5 : 7).Bulk("XGROUP"u8).Bulk("CREATE"u8).Bulk(key).Bulk(name)
                .Bulk(group.Fields.GetValueOrDefault("last-delivered-id", "0-0"));
            if (entriesRead is not null)
            {
                writer.Bulk("ENTRIESREAD"u8).Bulk(entriesRead);
            }
            commands++;
            // consumers, then each pending entry back with its consumer, delivery time and count (JUSTID: not counted again)
            foreach (var consumer in group.Consumers)
            {
                writer.Command(5).Bulk("XGROUP"u8).Bulk("CREATECONSUMER"u8).Bulk(key).Bulk(name).Bulk(consumer);
                commands++;
            }
            foreach (var (id, consumer, time, deliveries) in group.Pending)
            {
                writer.Command(12).Bulk("XCLAIM"u8).Bulk(key).Bulk(name).Bulk(consumer).Bulk(0).Bulk(id)
                    .Bulk("TIME"u8).Bulk(time).Bulk("RETRYCOUNT"u8).Bulk(deliveries).Bulk("FORCE"u8).Bulk("JUSTID"u8);
                commands++;
            }
        }
        return commands;
    }

    private static string? FirstError(ReadOnlySpan<byte> execReply)
    {
        if (RespFrame.IsNull(execReply))
        {
            return "EXEC aborted";
        }
        var replies = RespFrame.Array(execReply);
        while (replies.MoveNext(out var reply))
        {
            if (RespFrame.IsError(reply))
            {
                return RespFrame.ErrorText(reply);
            }
        }
        return null;
    }

    internal static Exception Refusal(ReadOnlySpan<byte> key, string node, string text) =>
        TargetReplies.IsOutOfMemory(text) ? new TargetOutOfMemoryException(node, text, null)
        : ServerErrors.IsTransient(text) ? ServerErrors.Classify(text, "target")
        : text.StartsWith("ERR unknown command", StringComparison.Ordinal) ? new CopyException($"writing key {KeyText.Printable(key)} by type failed at {node}: the target lacks a command its type needs ({text})")
        : new CopyException($"writing key {KeyText.Printable(key)} by type failed at {node}: {text}");
}
