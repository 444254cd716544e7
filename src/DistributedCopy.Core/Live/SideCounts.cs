namespace DistributedCopy.Core.Live;

/// <summary>
/// Key counts of both sides, for the sweep: per slot (COUNTKEYSINSLOT on each master, pipelined) when both are clusters,
/// else per database (DBSIZE; summed over a cluster's masters). Returns the buckets whose counts differ.
/// </summary>
internal sealed class SideCounts(ClusterView source, ClusterView target, bool clusterSource)
{
    public async Task<List<int>> MismatchedAsync(CancellationToken cancellationToken)
    {
        if (source.Topology.IsCluster && target.Topology.IsCluster)
        {
            var left = await PerSlotAsync(source.Topology, cancellationToken).ConfigureAwait(false);
            var right = await PerSlotAsync(target.Topology, cancellationToken).ConfigureAwait(false);
            return Enumerable.Range(0, HashSlot.Count).Where(slot => left[slot] != right[slot]).ToList();
        }
        var (sourceKeys, targetKeys) = await TotalsAsync(cancellationToken).ConfigureAwait(false);
        return sourceKeys == targetKeys ? [] : clusterSource ? [.. Enumerable.Range(0, HashSlot.Count)] : [0];
    }

    public async Task<(long Source, long Target)> TotalsAsync(CancellationToken cancellationToken) =>
        (await TotalAsync(source, cancellationToken).ConfigureAwait(false), await TotalAsync(target, cancellationToken).ConfigureAwait(false));

    private static async Task<long> TotalAsync(ClusterView view, CancellationToken cancellationToken)
    {
        long total = 0;
        foreach (var node in view.Topology.IsCluster ? view.Topology.Shards.Select(s => s.Master) : [view.Seed])
        {
            await using var connection = await RespConnection.ConnectAsync(node, cancellationToken).ConfigureAwait(false);
            total += await connection.ExecuteIntegerAsync("DBSIZE").ConfigureAwait(false);
        }
        return total;
    }

    private static async Task<long[]> PerSlotAsync(Topology topology, CancellationToken cancellationToken)
    {
        var counts = new long[HashSlot.Count];
        foreach (var shard in topology.Shards)
        {
            var slots = shard.Slots.SelectMany(r => Enumerable.Range(r.Start, r.Count)).ToList();
            await using var connection = await RespConnection.ConnectAsync(shard.Master, cancellationToken).ConfigureAwait(false);
            var writer = new RespWriter(64 * 1024);
            foreach (var slot in slots)
            {
                writer.Command(3).Bulk("CLUSTER"u8).Bulk("COUNTKEYSINSLOT"u8).Bulk(slot);
            }
            await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
            foreach (var slot in slots)
            {
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                RespConnection.ThrowIfError(connection.Frame);
                counts[slot] = RespFrame.Integer(connection.Frame);
            }
        }
        return counts;
    }
}
