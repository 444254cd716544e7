namespace DistributedCopy.Core.Live;

/// <summary>
/// Key counts of both sides, for the sweep: per slot (COUNTKEYSINSLOT on each master, pipelined) when both are clusters,
/// else per database (DBSIZE; summed over a cluster's masters). Only the buckets a sync follows (<paramref name="owned"/>:
/// 16384 slots of a cluster source, or the one database) are counted and returned.
/// </summary>
internal sealed class SideCounts(ClusterView source, ClusterView target, bool[] owned)
{
    private bool PerSlot => source.Topology.IsCluster && target.Topology.IsCluster;

    public async Task<List<int>> MismatchedAsync(CancellationToken cancellationToken)
    {
        if (PerSlot)
        {
            var left = await PerSlotAsync(source.Topology, cancellationToken).ConfigureAwait(false);
            var right = await PerSlotAsync(target.Topology, cancellationToken).ConfigureAwait(false);
            return Enumerable.Range(0, HashSlot.Count).Where(slot => owned[slot] && left[slot] != right[slot]).ToList();
        }
        // another shape on each side: the totals of the whole database say whether this sync's buckets may differ
        var (sourceKeys, targetKeys) = await TotalsOfAsync(cancellationToken).ConfigureAwait(false);
        return sourceKeys == targetKeys ? [] : [.. Enumerable.Range(0, owned.Length).Where(b => owned[b])];
    }

    /// <summary>Keys on each side: in the followed slots when both are clusters, else in the whole database.</summary>
    public async Task<(long Source, long Target)> TotalsAsync(CancellationToken cancellationToken)
    {
        if (PerSlot && owned.Any(b => !b))
        {
            var left = await PerSlotAsync(source.Topology, cancellationToken).ConfigureAwait(false);
            var right = await PerSlotAsync(target.Topology, cancellationToken).ConfigureAwait(false);
            return (left.Sum(), right.Sum());
        }
        return await TotalsOfAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<(long Source, long Target)> TotalsOfAsync(CancellationToken cancellationToken) =>
        (await source.CountKeysAsync(cancellationToken).ConfigureAwait(false), await target.CountKeysAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>Per-slot counts of the followed slots (0 for the others).</summary>
    private async Task<long[]> PerSlotAsync(Topology topology, CancellationToken cancellationToken)
    {
        var counts = new long[HashSlot.Count];
        foreach (var shard in topology.Shards)
        {
            var slots = shard.Slots.SelectMany(r => Enumerable.Range(r.Start, r.Count)).Where(s => owned[s]).ToList();
            if (slots.Count == 0)
            {
                continue;
            }
            await using var connection = await RespConnection.ConnectAsync(shard.ReadNode, cancellationToken).ConfigureAwait(false);
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
