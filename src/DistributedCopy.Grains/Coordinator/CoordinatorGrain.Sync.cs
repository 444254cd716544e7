using DistributedCopy.Abstractions;
using DistributedCopy.Core;
using Microsoft.Extensions.Logging;

namespace DistributedCopy.Grains;

// CoordinatorGrain, part 4: a live sync. One partition per worker (by the replication stream: per source master), leased for
// the sync's whole life and renewed by each report; a partition whose worker or silo died is leased again (reconciled, or
// continued from its stream's position). The cutover is part 6.
public sealed partial class CoordinatorGrain
{
    /// <summary>Each partition's last lag, pending keys and liveness (not persisted: a second's reports bring them back).</summary>
    private readonly Dictionary<int, SyncProgress> _syncNow = [];

    /// <summary>
    /// A sync's partitions: as many as workers (each is held until the cutover, so no partition may wait for a free
    /// worker), contiguous slot ranges of equal size; a standalone source's one database, even when it is empty.
    /// </summary>
    private static List<Partition> SyncPartitions(IReadOnlyList<PlannedPartition> plan, JobSpec spec, bool cluster)
    {
        if (!cluster)
        {
            var database = spec.Databases.Count > 0 ? spec.Databases[0] : Endpoints.ToCore(spec.Source).Database;
            var keys = plan.Where(p => p.Database == database).Sum(p => p.Keys);
            return [new Partition(0, 0, HashSlot.Count - 1, keys, database) { Shard = "db" + database.ToString(System.Globalization.CultureInfo.InvariantCulture) }];
        }
        if (spec.Capture == SyncCapture.Replication)
        {
            // one per source master (its stream holds all its slots), each held by a worker of its own (EnsureWorkersAsync starts
            // as many workers as partitions); the first slot finds its master again, after a failover too
            return plan.GroupBy(p => p.Shard).Select((master, i) =>
                new Partition(i, master.Min(p => p.StartSlot), master.Max(p => p.EndSlot), master.Sum(p => p.Keys))
                {
                    Shard = master.Key,
                    Ranges = [.. master.OrderBy(p => p.StartSlot).SelectMany(p => new[] { p.StartSlot, p.EndSlot })],
                }).ToList();
        }
        var count = Math.Clamp(spec.Workers, 1, HashSlot.Count);
        return Enumerable.Range(0, count).Select(i =>
        {
            var (start, end) = (HashSlot.Count * i / count, (HashSlot.Count * (i + 1) / count) - 1);
            // planned keys spread evenly over each planned partition's slots
            var keys = plan.Sum(p => p.Keys * Math.Max(0, Math.Min(end, p.EndSlot) - Math.Max(start, p.StartSlot) + 1) / (p.EndSlot - p.StartSlot + 1));
            return new Partition(i, start, end, keys) { Shard = $"slots {start}-{end}" };
        }).ToList();
    }

    /// <summary>Takes a sync partition's counters, lag and its answer to the cutover under way from its report.</summary>
    private void TakeSync(ProgressReport report)
    {
        if (report.Sync is { } sync)
        {
            State.SyncTotals = State.SyncTotals.Add(sync);
            _syncNow[report.PartitionId] = sync;
        }
        if (report.Cutover is { } cutover && State.Phase == JobPhase.CuttingOver && cutover.Attempt == State.Cutover?.Attempt)
        {
            State.CutoverParts[report.PartitionId] = cutover;
        }
    }

    /// <summary>When the source's masters were last looked at for one no partition follows (a sync by the replication stream).</summary>
    private DateTime _mastersReadAt;

    /// <summary>
    /// By the replication stream, every 5 s: a source master whose replication history no partition follows (one added to
    /// the source, slots moved to it) gets a partition of its own, which takes its snapshot and follows its stream (and a
    /// worker of its own). A partition is known by the replication id of its position (a failover's new master carries it
    /// as its replid2); until every partition has reported one, nothing is added.
    /// </summary>
    private async Task FollowNewMastersAsync()
    {
        if (State.Spec is not { Kind: JobKind.Sync, Capture: SyncCapture.Replication } spec || State.Phase != JobPhase.Syncing
            || State.Partitions is not [{ IsDatabase: false }, ..] || DateTime.UtcNow - _mastersReadAt < TimeSpan.FromSeconds(5))
        {
            return;
        }
        _mastersReadAt = DateTime.UtcNow;
        var followed = State.Partitions.Select(p => ReplicationPosition.Parse(_syncNow.GetValueOrDefault(p.Id)?.Position)?.ReplicationId).ToList();
        if (followed.Any(id => id is null))
        {
            return;
        }
        try
        {
            // from the seeds, or the masters the partitions follow (the seeds may have left the cluster)
            var seed = Endpoints.ToCore(spec.Source);
            var followedMasters = State.Partitions.Select(p => p.Shard).OfType<string>().Select(a => a.LastIndexOf(':') is var colon and > 0
                ? seed.WithAddress(a[..colon].Trim('[', ']'), int.Parse(a[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture)) : seed);
            var topology = await Topology.ReadAnyAsync(seed.AllSeeds().Concat(followedMasters).DistinctBy(e => e.Address)).WaitAsync(TimeSpan.FromSeconds(10));
            foreach (var shard in topology.Shards)
            {
                var (id, previous) = await ReplicationCheck.HistoryAsync(shard.Master, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
                if (followed.Contains(id) || followed.Contains(previous) || shard.Slots.Count == 0)
                {
                    // followed already, or serving nothing yet (it gets a partition once slots move to it)
                    continue;
                }
                State.Partitions.Add(new Partition(State.Partitions.Max(p => p.Id) + 1, shard.Slots.Min(r => r.Start), shard.Slots.Max(r => r.End), 0)
                {
                    Shard = shard.Master.Address,
                    // every slot it serves came from a master another partition follows: none is its own until handed over
                    Ranges = [],
                });
                State.Notes.Add($"{shard.Master.Address} is a master no partition follows (added to the source, slots moved to it): a partition of its own takes its snapshot and follows its stream");
                await SaveAsync();
            }
        }
        catch (Exception ex) when (ex is Core.Resp.RespException or CopyException or TimeoutException)
        {
            // read again at the next tick
        }
    }

    private SyncProgress? SyncStatus()
    {
        if (State.ActiveKind != JobKind.Sync)
        {
            return null;
        }
        var now = State.Partitions.Where(p => !State.DonePartitions.Contains(p.Id)).Select(p => _syncNow.GetValueOrDefault(p.Id)).ToList();
        return State.SyncTotals with
        {
            Live = now.All(s => s is { Live: true }),
            Pending = now.Sum(s => s?.Pending ?? 0),
            LagSeconds = now.Count == 0 ? 0 : now.Max(s => s?.LagSeconds ?? 0),
            Unproven = now.Select(s => s is null ? "a partition has not reported yet" : s.Unproven).FirstOrDefault(u => u is not null),
            Compared = now.Sum(s => s?.Compared ?? 0),
            Repaired = now.Sum(s => s?.Repaired ?? 0),
            ComparePasses = now.Count == 0 ? 0 : now.Min(s => s?.ComparePasses ?? 0),
            PassShare = now.Count == 0 ? 0 : now.Min(s => s?.PassShare ?? 0),
            LastPassAt = now.Any(s => s?.LastPassAt is null) ? null : now.Min(s => s!.LastPassAt),
            LagBytes = now.Sum(s => s?.LagBytes ?? 0),
            Position = now.Count == 1 ? now[0]?.Position : null,
        };
    }
}
