namespace DistributedCopy.Core.Writers;

/// <summary>
/// Writes read DUMP payloads with pipelined RESTORE to the target masters that own each key's target slot, with the
/// source's expiry (absolute where the target takes ABSTTL, else aged to the moment of writing), and WAIT for a replica
/// where asked. Each key ends Copied, Skipped or Vanished; a key not acknowledged stays Pending for the retry.
/// </summary>
internal sealed partial class RestoreWriter(ClusterView target, CopyOptions options) : IBatchWriter
{
    private readonly ShardConnections _target = new(target);
    private int[] _route = new int[options.BatchSize];

    public IReadOnlyList<ShardConnections> Connections => [_target];

    /// <summary>
    /// Where set (auto mode), a payload the target will not take (a newer RDB version, a type or an argument it does not
    /// restore, no permission) is marked <see cref="KeyState.Typed"/> and reported here instead of failing the copy.
    /// </summary>
    public Action<KeyBatch, int, string>? Refused { get; init; }

    public async Task WriteAsync(KeyBatch batch, int from, int to, bool retried, CancellationToken cancellationToken)
    {
        var topology = _target.Topology;
        if (_route.Length < batch.Count)
        {
            _route = new int[batch.Capacity];
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var absolute = _target.View.Capabilities.AbsoluteTtl;
        var replace = options.Policy == OverwritePolicy.Replace;
        for (var i = from; i < to; i++)
        {
            _route[i] = -1;
            if (batch.State[i] != KeyState.Pending)
            {
                continue;
            }
            var expiry = batch.Expiry[i];
            if (batch.Gone(i, now))
            {
                // gone before it was read, or expired on the way: RESTORE with TTL 0 would make it immortal
                batch.State[i] = KeyState.Vanished;
                continue;
            }
            var payload = batch.Payload(i);
            if (payload.IsEmpty)
            {
                throw new CopyException($"the source gave no DUMP payload for key {KeyText.Printable(batch.Key(i))}, which exists (its server does not DUMP that type): --mode auto or typed copies it by type");
            }
            if (Refused is not null && RdbVersions.OfPayload(payload) > topology.RdbVersion)
            {
                batch.State[i] = KeyState.Typed;
                Refused(batch, i, $"RDB version {RdbVersions.OfPayload(payload)} is newer than the target restores ({topology.RdbVersion})");
                continue;
            }
            RdbVersions.EnsureRestorable(payload, topology);
            var shard = topology.ShardOrThrow(batch.TargetSlot[i], "target");
            if (_target.View.Capabilities.MaxBulkLength is { } limit && payload.Length > limit)
            {
                // the server would drop the connection on it (and the error may be lost with it): say so before sending
                throw new CopyException($"the target {topology.Shards[shard].Master.Address} takes values up to {limit:N0} bytes (proto-max-bulk-len): key {KeyText.Printable(batch.Key(i))} holds {batch.PayloadLength[i]:N0} bytes; raise proto-max-bulk-len on the target");
            }
            _route[i] = shard;
            // ABSTTL: a write delayed by a stalled link still expires when the source's key does; else the TTL is aged to now
            var ttl = expiry < 0 ? 0 : absolute ? expiry : expiry - now;
            var writer = _target.Writer(shard).Command(4 + (replace ? 1 : 0) + (absolute && expiry >= 0 ? 1 : 0))
                .Bulk("RESTORE"u8).Bulk(batch.TargetKey(i)).Bulk(ttl).BulkReference(batch.Dumps.PayloadMemory(i));
            if (replace)
            {
                writer.Bulk("REPLACE"u8);
            }
            if (absolute && expiry >= 0)
            {
                writer.Bulk("ABSTTL"u8);
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
        var acknowledged = new bool[waits.Length];
        try
        {
            options.Fence?.Check();
            await _target.SendAllAsync(cancellationToken).ConfigureAwait(false);
            await ReadRepliesAsync(batch, from, to, topology, retried, waits, acknowledged, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // writes no replica acknowledged (WAIT timed out, or its reply was lost with the connection) count as not
            // written: a failover now would lose them, so the retry writes them again
            for (var i = from; i < to; i++)
            {
                if (_route[i] >= 0 && waits[_route[i]] && !acknowledged[_route[i]] && batch.State[i] == KeyState.Copied)
                {
                    batch.State[i] = KeyState.Pending;
                }
            }
            _target.ClearWriters();
        }
    }

    private async Task ReadRepliesAsync(KeyBatch batch, int from, int to, Topology topology, bool retried, bool[] waits, bool[] acknowledged, CancellationToken cancellationToken)
    {
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
            var outOfMemory = false;
            for (var i = from; i < to; i++)
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
                if (TargetReplies.IsKeyExists(text))
                {
                    if (TargetReplies.ExistingFailure(options, retried, batch.TargetKey(i)) is { } exists)
                    {
                        failure ??= exists;
                    }
                    else
                    {
                        batch.State[i] = KeyState.Skipped;
                    }
                }
                else if (TargetReplies.IsOutOfMemory(text))
                {
                    outOfMemory = true;
                    failure ??= new TargetOutOfMemoryException(topology.Shards[shard].Master.Address, text, null);
                }
                else if (Refused is not null && ServerErrors.IsRestoreRefusal(text))
                {
                    batch.State[i] = KeyState.Typed;
                    Refused(batch, i, text);
                }
                else if (RdbVersions.ExplainRestoreError(text, batch.Key(i), batch.Payload(i), topology) is { } explained)
                {
                    failure ??= explained;
                }
                else if (text.StartsWith("ERR Protocol error", StringComparison.Ordinal))
                {
                    // the server drops the connection after this: no later reply will come, so say which value was too big
                    throw TooLarge(batch, from, to, shard, topology.Shards[shard].Master.Address, text);
                }
                else if (ServerErrors.IsTransient(text))
                {
                    redirect ??= text;
                }
                else
                {
                    failure ??= new CopyException($"RESTORE of key {KeyText.Printable(batch.Key(i))} ({batch.PayloadLength[i]:N0} bytes) failed at {topology.Shards[shard].Master.Address}: {text}");
                }
            }
            if (waits[shard])
            {
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                if (RespFrame.IsError(connection.Frame) || RespFrame.Integer(connection.Frame) < 1)
                {
                    lagging ??= $"no replica of {topology.Shards[shard].Master.Address} acknowledged the batch within {options.ReplicaTimeout.TotalSeconds:F0} s";
                }
                else
                {
                    acknowledged[shard] = true;
                }
            }
            if (outOfMemory && failure is TargetOutOfMemoryException { Memory: null } oom)
            {
                // the replies are all read, so the connection is in step: ask how full the target is, for the message
                failure = new TargetOutOfMemoryException(oom.Node, oom.ServerText, await MemoryAsync(connection).ConfigureAwait(false));
            }
        }
        if (failure is not null)
        {
            throw failure;
        }
        if (redirect is not null)
        {
            throw ServerErrors.Classify(redirect, "target");
        }
        if (lagging is not null)
        {
            throw new TopologyChangedException(lagging);
        }
    }

    public ValueTask DisposeAsync() => _target.DisposeAsync();
}
