namespace DistributedCopy.Core.Writers;

/// <summary>
/// Writes the batch's keys marked <see cref="KeyState.Typed"/> with their type's own commands, for targets that will not
/// RESTORE a payload: each key read by type from the source, then written in one MULTI/EXEC (the old value deleted under
/// the replace policy, the value in commands of at most <see cref="ItemsPerCommand"/> items, the absolute expiry), so the
/// target never shows half a key. Policies mean what they mean for RESTORE.
/// </summary>
internal sealed partial class TypedWriter(ITypedValueReader reader, ClusterView target, CopyOptions options, CopyProgress progress) : IBatchWriter
{
    public const int ItemsPerCommand = 512;

    private readonly ITypedValueReader _reader = reader;
    private readonly ShardConnections _target = new(target);
    private TypedValue[] _values = [];

    public IReadOnlyList<ShardConnections> Connections => _reader.Connections is { } read ? [read, _target] : [_target];

    public async Task WriteAsync(KeyBatch batch, int from, int to, bool retried, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var keys = new List<int>();
        for (var i = from; i < to; i++)
        {
            if (batch.State[i] != KeyState.Typed)
            {
                continue;
            }
            if (batch.Gone(i, now))
            {
                batch.State[i] = KeyState.Vanished;
                continue;
            }
            keys.Add(i);
        }
        if (keys.Count == 0)
        {
            return;
        }
        if (_values.Length < keys.Count)
        {
            _values = Enumerable.Range(0, keys.Count).Select(_ => new TypedValue()).ToArray();
        }
        await _reader.ReadAsync(batch, keys, _values, cancellationToken).ConfigureAwait(false);
        var write = new List<int>();
        for (var k = 0; k < keys.Count; k++)
        {
            if (_values[k].Vanished)
            {
                batch.State[keys[k]] = KeyState.Vanished;
            }
            else
            {
                write.Add(k);
            }
        }
        if (options.Policy != OverwritePolicy.Replace)
        {
            write = await WithoutExistingAsync(batch, keys, write, retried, cancellationToken).ConfigureAwait(false);
        }
        await WriteValuesAsync(batch, keys, write, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_reader.Connections is { } read)
        {
            await read.DisposeAsync().ConfigureAwait(false);
        }
        (_reader as IDisposable)?.Dispose();
        await _target.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Skip-existing and fail-on-existing: keys the target holds already are skipped (or stop the copy), as BUSYKEY would.</summary>
    private async Task<List<int>> WithoutExistingAsync(KeyBatch batch, List<int> keys, List<int> write, bool retried, CancellationToken cancellationToken)
    {
        var route = Route(batch, keys, write);
        foreach (var k in write)
        {
            _target.Writer(route[k]).Command(2).Bulk("EXISTS"u8).Bulk(batch.TargetKey(keys[k]));
        }
        options.Fence?.Check();
        await _target.SendAllAsync(cancellationToken).ConfigureAwait(false);
        var absent = new List<int>();
        try
        {
            for (var shard = 0; shard < _target.Topology.Shards.Count; shard++)
            {
                if (!_target.HasCommands(shard))
                {
                    continue;
                }
                var connection = await _target.ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
                foreach (var k in write.Where(k => route[k] == shard))
                {
                    await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                    RespConnection.ThrowIfError(connection.Frame);
                    if (RespFrame.Integer(connection.Frame) == 0)
                    {
                        absent.Add(k);
                    }
                    else
                    {
                        batch.State[keys[k]] = TargetReplies.Existing(options, retried, batch.TargetKey(keys[k]));
                    }
                }
            }
        }
        finally
        {
            _target.ClearWriters();
        }
        absent.Sort();
        return absent;
    }

    private Dictionary<int, int> Route(KeyBatch batch, List<int> keys, List<int> write)
    {
        var route = new Dictionary<int, int>();
        foreach (var k in write)
        {
            route[k] = _target.Topology.ShardOrThrow(batch.TargetSlot[keys[k]], "target");
        }
        return route;
    }
}
