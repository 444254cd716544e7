namespace DistributedCopy.Core.Pipelines;

/// <summary>
/// Reads DUMP and the expiry of a batch's keys from one side with one pipelined round per master: PEXPIRETIME where the
/// servers have it, else PTTL taken from the moment the batch was sent (so the expiry errs early, never late).
/// </summary>
internal sealed class DumpReader(ClusterView view, bool target = false) : IAsyncDisposable
{
    private readonly string _side = target ? "target" : "source";
    private int[] _route = [];

    public ShardConnections Connections { get; } = new(view);

    public Task ReadAsync(KeyBatch batch, DumpBuffer into, CancellationToken cancellationToken) => ReadAsync(batch, 0, batch.Count, into, cancellationToken);

    /// <summary>Reads keys <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive) of the batch.</summary>
    public async Task ReadAsync(KeyBatch batch, int from, int to, DumpBuffer into, CancellationToken cancellationToken)
    {
        var topology = Connections.Topology;
        if (_route.Length < batch.Count)
        {
            _route = new int[batch.Capacity];
        }
        into.Clear(shrink: true);
        var absolute = Connections.View.Capabilities.ExpireTime;
        for (var i = from; i < to; i++)
        {
            var slot = target ? batch.TargetSlot[i] : batch.SourceSlot[i];
            var shard = topology.ShardFor(slot);
            if (shard < 0)
            {
                throw new TopologyChangedException($"no {_side} master serves slot {slot}");
            }
            _route[i] = shard;
            Connections.Writer(shard).Command(2).Bulk("DUMP"u8).Bulk(batch.Key(i)).Command(2).Bulk(absolute ? "PEXPIRETIME"u8 : "PTTL"u8).Bulk(batch.Key(i));
        }
        var sentAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Connections.SendAllAsync(cancellationToken).ConfigureAwait(false);
        string? redirect = null;
        for (var shard = 0; shard < topology.Shards.Count; shard++)
        {
            if (!Connections.HasCommands(shard))
            {
                continue;
            }
            var connection = await Connections.ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
            for (var i = from; i < to; i++)
            {
                if (_route[i] != shard)
                {
                    continue;
                }
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                var dump = connection.Frame;
                var vanished = false;
                if (RespFrame.IsError(dump))
                {
                    redirect ??= RespFrame.ErrorText(dump);
                }
                else if (!RespFrame.TryBulk(dump, out var payload))
                {
                    vanished = true;
                }
                else
                {
                    into.Set(i, payload);
                }
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                var ttl = connection.Frame;
                if (RespFrame.IsError(ttl))
                {
                    redirect ??= RespFrame.ErrorText(ttl);
                    continue;
                }
                var expiry = RespFrame.Integer(ttl);
                into.Expiry[i] = vanished || expiry == KeyBatch.Vanished ? KeyBatch.Vanished
                    : expiry == KeyBatch.NoTtl || absolute ? expiry
                    : sentAt + expiry;
            }
        }
        Connections.ClearWriters();
        if (redirect is not null)
        {
            throw ServerErrors.Classify(redirect, _side);
        }
    }

    public ValueTask DisposeAsync() => Connections.DisposeAsync();
}
