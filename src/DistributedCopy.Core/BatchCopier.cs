using DistributedCopy.Core.Resp;

namespace DistributedCopy.Core;

/// <summary>
/// One pipeline: reads a batch with pipelined DUMP+PTTL from the source masters and writes it with pipelined RESTORE to the
/// target masters that own each key's slot. Connection failures and redirects re-read the topology and retry the batch;
/// keys already written are not written again.
/// </summary>
internal sealed class BatchCopier(ClusterView source, ClusterView target, CopyOptions options, CopyProgress progress) : IBatchProcessor
{
    private readonly BatchReader _reader = new(source);
    private readonly ShardConnections _target = new(target);
    private int[] _route = new int[options.BatchSize];

    public async Task ProcessAsync(KeyBatch batch, CancellationToken cancellationToken)
    {
        if (_route.Length < batch.Count)
        {
            _route = new int[batch.Capacity];
        }
        var read = false;
        await Retry.RunAsync(options, progress, [_reader.Connections, _target], async attempt =>
        {
            if (!read)
            {
                if (options.BeforeReadHook is { } hook)
                {
                    await hook(Enumerable.Range(0, batch.Count).Select(i => batch.Key(i).ToArray()).ToList()).ConfigureAwait(false);
                }
                await _reader.ReadAsync(batch, batch.Dumps, cancellationToken).ConfigureAwait(false);
                read = true;
            }
            await WriteAsync(batch, retried: attempt > 0, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        Commit(batch);
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.Connections.DisposeAsync().ConfigureAwait(false);
        await _target.DisposeAsync().ConfigureAwait(false);
    }

    private async Task WriteAsync(KeyBatch batch, bool retried, CancellationToken cancellationToken)
    {
        var topology = _target.Topology;
        var elapsed = Environment.TickCount64 - batch.ReadAt;
        var replace = options.Policy == OverwritePolicy.Replace;
        for (var i = 0; i < batch.Count; i++)
        {
            _route[i] = -1;
            if (batch.State[i] != KeyState.Pending)
            {
                continue;
            }
            var ttl = batch.Ttl[i];
            if (ttl == KeyBatch.Vanished || (ttl >= 0 && ttl - elapsed <= 0))
            {
                // gone before it was read, or expired while in flight: RESTORE with TTL 0 would make it immortal
                batch.State[i] = KeyState.Vanished;
                continue;
            }
            var payload = batch.Payload(i);
            RdbVersions.EnsureRestorable(payload, topology);
            var shard = topology.IsCluster ? topology.ShardIndexOf(batch.Slot[i]) : 0;
            if (shard < 0)
            {
                throw new TopologyChangedException($"no target master serves slot {batch.Slot[i]}");
            }
            _route[i] = shard;
            var writer = _target.Writer(shard).Command(replace ? 5 : 4).Bulk("RESTORE"u8).Bulk(batch.Key(i)).Bulk(ttl < 0 ? 0 : ttl - elapsed).Bulk(payload);
            if (replace)
            {
                writer.Bulk("REPLACE"u8);
            }
        }
        var waits = new bool[topology.Shards.Count];
        for (var shard = 0; shard < waits.Length; shard++)
        {
            if (options.WaitForReplicas && topology.Shards[shard].Replicas > 0 && _target.HasCommands(shard))
            {
                waits[shard] = true;
                _target.Writer(shard).Command(3).Bulk("WAIT"u8).Bulk(1).Bulk((long)options.ReplicaTimeout.TotalMilliseconds);
            }
        }
        await _target.SendAllAsync(cancellationToken).ConfigureAwait(false);
        Exception? failure = null;
        string? redirect = null;
        string? lagging = null;
        for (var shard = 0; shard < topology.Shards.Count; shard++)
        {
            if (!_target.HasCommands(shard))
            {
                continue;
            }
            var connection = await _target.ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                if (_route[i] != shard)
                {
                    continue;
                }
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                var reply = connection.Frame;
                if (!RespFrame.IsError(reply))
                {
                    batch.State[i] = KeyState.Copied;
                    continue;
                }
                var text = RespFrame.ErrorText(reply);
                if (text.StartsWith("BUSYKEY", StringComparison.Ordinal))
                {
                    if (options.Policy == OverwritePolicy.SkipExisting || retried || options.Resuming)
                    {
                        batch.State[i] = KeyState.Skipped;
                    }
                    else
                    {
                        failure ??= new TargetKeyExistsException(KeyText.Printable(batch.Key(i)));
                    }
                }
                else if (text.StartsWith("OOM", StringComparison.Ordinal))
                {
                    failure ??= new TargetOutOfMemoryException(text);
                }
                else if (RdbVersions.ExplainRestoreError(text, batch.Key(i), batch.Payload(i), topology) is { } explained)
                {
                    failure ??= explained;
                }
                else if (Classify(text, "target") is TopologyChangedException or RedisErrorException { Code: "LOADING" or "TRYAGAIN" or "CLUSTERDOWN" or "MASTERDOWN" or "READONLY" })
                {
                    redirect ??= text;
                }
                else
                {
                    failure ??= new CopyException($"RESTORE of key {KeyText.Printable(batch.Key(i))} failed at {topology.Shards[shard].Master.Address}: {text}");
                }
            }
            if (waits[shard])
            {
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                if (RespFrame.IsError(connection.Frame) || RespFrame.Integer(connection.Frame) < 1)
                {
                    // not on a replica yet: a failover now would lose these writes, so they count as not written
                    for (var i = 0; i < batch.Count; i++)
                    {
                        if (_route[i] == shard && batch.State[i] == KeyState.Copied)
                        {
                            batch.State[i] = KeyState.Pending;
                        }
                    }
                    lagging ??= $"no replica of {topology.Shards[shard].Master.Address} acknowledged the batch within {options.ReplicaTimeout.TotalSeconds:F0} s";
                }
            }
        }
        _target.ClearWriters();
        if (failure is not null)
        {
            throw failure;
        }
        if (redirect is not null)
        {
            throw Classify(redirect, "target");
        }
        if (lagging is not null)
        {
            throw new TopologyChangedException(lagging);
        }
    }

    internal static Exception Classify(string errorText, string side) =>
        errorText.StartsWith("MOVED ", StringComparison.Ordinal) || errorText.StartsWith("ASK ", StringComparison.Ordinal)
            ? new TopologyChangedException($"the {side} redirected: {errorText}")
            : new RedisErrorException(errorText);

    private void Commit(KeyBatch batch)
    {
        long copied = 0, bytes = 0, skipped = 0, vanished = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            switch (batch.State[i])
            {
                case KeyState.Copied:
                    copied++;
                    bytes += batch.PayloadLength[i];
                    break;
                case KeyState.Skipped:
                    skipped++;
                    break;
                case KeyState.Vanished:
                    vanished++;
                    break;
            }
        }
        progress.AddBatch(copied, bytes, skipped, vanished);
    }
}

/// <summary>A MOVED or ASK redirect, or a slot no master serves: re-read the topology and retry.</summary>
internal sealed class TopologyChangedException(string message) : Exception(message);
