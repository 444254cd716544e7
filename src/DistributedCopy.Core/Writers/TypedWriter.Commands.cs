
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

    /// <summary>The value's commands (after MULTI), as its type writes them; returns how many.</summary>
    private int WriteValue(RespWriter writer, ReadOnlySpan<byte> key, TypedValue value) =>
        (DataType.Of(value.Type) ?? throw new CopyException($"key {KeyText.Printable(key)} is of type {value.Type}, which only DUMP/RESTORE copies"))
            .Write(writer, key, value, ItemsPerCommand, modern: _target.Topology.RdbVersion >= 10);

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
