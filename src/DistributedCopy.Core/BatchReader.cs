using DistributedCopy.Core.Resp;

namespace DistributedCopy.Core;

/// <summary>Reads DUMP and PTTL of a batch's keys from one side with one pipelined round per master.</summary>
internal sealed class BatchReader(ClusterView view, string side = "source") : IAsyncDisposable
{
    private int[] _route = [];

    public ShardConnections Connections { get; } = new(view);

    public async Task ReadAsync(KeyBatch batch, DumpBuffer into, CancellationToken cancellationToken)
    {
        var topology = Connections.Topology;
        if (_route.Length < batch.Count)
        {
            _route = new int[batch.Capacity];
        }
        into.Clear();
        for (var i = 0; i < batch.Count; i++)
        {
            var shard = topology.IsCluster ? topology.ShardIndexOf(batch.Slot[i]) : 0;
            if (shard < 0)
            {
                throw new TopologyChangedException($"no {side} master serves slot {batch.Slot[i]}");
            }
            _route[i] = shard;
            Connections.Writer(shard).Command(2).Bulk("DUMP"u8).Bulk(batch.Key(i)).Command(2).Bulk("PTTL"u8).Bulk(batch.Key(i));
        }
        await Connections.SendAllAsync(cancellationToken).ConfigureAwait(false);
        string? redirect = null;
        for (var shard = 0; shard < topology.Shards.Count; shard++)
        {
            if (!Connections.HasCommands(shard))
            {
                continue;
            }
            var connection = await Connections.ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
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
                var pttl = RespFrame.Integer(ttl);
                into.Ttl[i] = vanished || pttl == KeyBatch.Vanished ? KeyBatch.Vanished : pttl;
            }
        }
        Connections.ClearWriters();
        into.ReadAt = Environment.TickCount64;
        if (redirect is not null)
        {
            throw BatchCopier.Classify(redirect, side);
        }
    }

    public ValueTask DisposeAsync() => Connections.DisposeAsync();
}
