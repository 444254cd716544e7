namespace DistributedCopy.Core.Sources;

/// <summary>
/// Splits a source into partitions of about equal key counts (from COUNTKEYSINSLOT for every slot, pipelined), each a
/// contiguous slot range inside one shard, so a partition is read from one master.
/// </summary>
public static class SlotPlanner
{
    public static async Task<IReadOnlyList<PlannedPartition>> PlanAsync(ClusterView source, int partitions, IReadOnlyList<int>? databases = null, CancellationToken cancellationToken = default)
    {
        var topology = source.Topology;
        if (!topology.IsCluster)
        {
            return await PlanDatabasesAsync(source.Seed, databases, cancellationToken).ConfigureAwait(false);
        }
        var counts = new long[HashSlot.Count];
        foreach (var shard in topology.Shards)
        {
            await using var connection = await RespConnection.ConnectAsync(shard.Master, cancellationToken).ConfigureAwait(false);
            var writer = new RespWriter();
            foreach (var range in shard.Slots)
            {
                for (var slot = range.Start; slot <= range.End; slot++)
                {
                    writer.Command(3).Bulk("CLUSTER"u8).Bulk("COUNTKEYSINSLOT"u8).Bulk(slot);
                }
            }
            await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
            foreach (var range in shard.Slots)
            {
                for (var slot = range.Start; slot <= range.End; slot++)
                {
                    await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                    RespConnection.ThrowIfError(connection.Frame);
                    counts[slot] = RespFrame.Integer(connection.Frame);
                }
            }
        }
        return Split(topology, counts, partitions);
    }

    /// <summary>
    /// Cuts each shard's slot ranges into partitions of about <c>total keys / partitions</c> keys each, in slot order; a
    /// partition never spans two ranges, so it is read from one master. Every served slot is in exactly one partition.
    /// </summary>
    internal static List<PlannedPartition> Split(Topology topology, long[] counts, int partitions)
    {
        var perPartition = Math.Max(1, counts.Sum() / Math.Max(1, partitions));
        var plan = new List<PlannedPartition>();
        foreach (var (range, master) in topology.Shards.SelectMany(s => s.Slots.Select(r => (r, s.Master.Address))).OrderBy(x => x.r.Start))
        {
            var start = range.Start;
            long keys = 0;
            for (var slot = range.Start; slot <= range.End; slot++)
            {
                keys += counts[slot];
                if (keys >= perPartition || slot == range.End)
                {
                    plan.Add(new PlannedPartition(start, slot, keys) { Shard = master });
                    start = slot + 1;
                    keys = 0;
                }
            }
        }
        return plan;
    }

    private static async Task<IReadOnlyList<PlannedPartition>> PlanDatabasesAsync(RedisEndpoint seed, IReadOnlyList<int>? databases, CancellationToken cancellationToken) =>
        (await Topology.DatabasesAsync(seed, cancellationToken).ConfigureAwait(false))
            .Where(d => databases is not { Count: > 0 } || databases.Contains(d.Database))
            .Select(d => new PlannedPartition(0, HashSlot.Count - 1, d.Keys, d.Database) { Shard = "db" + d.Database.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            .ToList();
}
