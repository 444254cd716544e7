using DistributedCopy.Abstractions;
using DistributedCopy.Core;
using Microsoft.Extensions.Logging;

namespace DistributedCopy.Grains;

// CoordinatorGrain, part 4: a live sync. One partition per worker, leased for the sync's whole life and renewed by each
// report; a partition whose worker or silo died is leased again and reconciled. The cutover pauses the source (where asked),
// tells each partition's worker to drain and check, and completes the job once every partition has reported.
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
        var count = Math.Clamp(spec.Workers, 1, HashSlot.Count);
        return Enumerable.Range(0, count).Select(i =>
        {
            var (start, end) = (HashSlot.Count * i / count, (HashSlot.Count * (i + 1) / count) - 1);
            // planned keys spread evenly over each planned partition's slots
            var keys = plan.Sum(p => p.Keys * Math.Max(0, Math.Min(end, p.EndSlot) - Math.Max(start, p.StartSlot) + 1) / (p.EndSlot - p.StartSlot + 1));
            return new Partition(i, start, end, keys) { Shard = $"slots {start}-{end}" };
        }).ToList();
    }

    public async Task<JobStatus> CutoverAsync(CutoverOrder order)
    {
        if (State.Spec is null || State.ActiveKind != JobKind.Sync || State.Phase != JobPhase.Syncing)
        {
            // not a sync, or one not running (the status says which), or a cutover already under way
            return Status();
        }
        var checks = new List<string>();
        var paused = false;
        if (order.PauseWrites)
        {
            try
            {
                var masters = await ClusterView.MastersAsync(Endpoints.ToCore(State.Spec.Source), CancellationToken.None);
                // long enough for the drain and the hold, ended early by CLIENT UNPAUSE
                paused = await WritePause.PauseAsync(masters, TimeSpan.FromSeconds(order.TimeoutSeconds + order.HoldSeconds + 30), checks, CancellationToken.None);
            }
            catch (Exception ex) when (ex is Core.Resp.RespException or CopyException or TimeoutException)
            {
                checks.Add($"the source's writes could not be paused ({ex.Message}): drained without pausing writes");
            }
        }
        State.Cutover = order with { Paused = paused, StartedAt = DateTime.UtcNow, Checks = checks };
        State.CutoverParts.Clear();
        State.CutoverResult = null;
        // the leases stay: each worker cuts its partition over at its next report
        State.Phase = JobPhase.CuttingOver;
        State.Message = null;
        await SaveAsync();
        LogPhase(logger, State.Spec.JobId, JobPhase.CuttingOver);
        return Status();
    }

    public Task<CutoverOrder?> GetCutoverAsync() => Task.FromResult(State.Phase == JobPhase.CuttingOver ? State.Cutover : null);

    /// <summary>Takes a sync partition's counters, lag and cutover from its report.</summary>
    private void TakeSync(ProgressReport report)
    {
        if (report.Sync is { } sync)
        {
            State.SyncTotals = State.SyncTotals.Add(sync);
            _syncNow[report.PartitionId] = sync;
        }
        if (report.Cutover is { } cutover)
        {
            State.CutoverParts[report.PartitionId] = cutover;
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
        };
    }

    /// <summary>Every partition cut over: the key totals read once more, the pause released (unless held), the job complete.</summary>
    private async Task FinishCutoverAsync()
    {
        var order = State.Cutover ?? new CutoverOrder(false, 0, 0);
        var parts = State.CutoverParts.Values.ToList();
        var checks = order.Checks.Concat(parts.SelectMany(p => p.Checks)).Distinct().ToList();
        var (sourceKeys, targetKeys) = (parts.Sum(p => p.SourceKeys), parts.Sum(p => p.TargetKeys));
        if (parts.Count > 1)
        {
            // partitions count their own slots, or (a cluster and a standalone server) the whole database: read the totals
            try
            {
                // read with nothing written: the source's writes may be paused
                var source = await ClusterView.MastersAsync(Endpoints.ToCore(State.Spec!.Source), CancellationToken.None);
                var target = await ClusterView.MastersAsync(Endpoints.ToCore(State.Spec.Target), CancellationToken.None);
                (sourceKeys, targetKeys) = (await ClusterView.CountKeysAsync(source, CancellationToken.None), await ClusterView.CountKeysAsync(target, CancellationToken.None));
            }
            catch (Exception ex) when (ex is Core.Resp.RespException or CopyException or TimeoutException)
            {
                checks.Add($"the key totals could not be read ({ex.Message}): the partitions' sums are shown");
            }
        }
        if (order.Paused && order.HoldSeconds <= 0)
        {
            await ReleaseWritesAsync(checks);
        }
        else if (order.Paused)
        {
            checks.Add($"writes stay paused on the source for {order.HoldSeconds:0} s more (--hold): switch the application now");
        }
        var result = new CutoverSummary(parts.Count == 0 ? DateTimeOffset.UtcNow : parts.Max(p => p.InSyncAt), parts.Count == 0 ? 0 : parts.Max(p => p.LagSeconds),
            parts.Sum(p => p.PendingKeys), sourceKeys, targetKeys, order.Paused, checks);
        State.CutoverResult = result;
        await SetPhaseAsync(JobPhase.Completed, result.ToString());
        LogPhase(logger, State.Spec!.JobId, JobPhase.Completed);
    }

    /// <summary>
    /// A cutover whose partitions did not all report in time (a worker lost on the way): the pause is released and the
    /// sync goes on (the partitions already cut over are leased again and reconciled); the operator may cut over again.
    /// </summary>
    private async Task CheckCutoverDeadlineAsync()
    {
        if (State.Phase != JobPhase.CuttingOver || State.Cutover is not { } order || DateTime.UtcNow < order.StartedAt.AddSeconds(order.TimeoutSeconds + 30))
        {
            return;
        }
        var checks = order.Checks.ToList();
        var missing = State.Partitions.Count - State.CutoverParts.Count;
        checks.Add($"{missing} of {State.Partitions.Count} partition(s) did not report their cutover within {order.TimeoutSeconds + 30:0} s: the sync goes on");
        if (order.Paused)
        {
            await ReleaseWritesAsync(checks);
        }
        var parts = State.CutoverParts.Values.ToList();
        State.CutoverResult = new CutoverSummary(DateTimeOffset.UtcNow, parts.Count == 0 ? 0 : parts.Max(p => p.LagSeconds), parts.Sum(p => p.PendingKeys), 0, 0, order.Paused, checks);
        State.DonePartitions.Clear();
        State.CutoverParts.Clear();
        State.Phase = JobPhase.Syncing;
        State.Message = "the cutover did not finish in time; the sync goes on";
        await SaveAsync();
        LogPhase(logger, State.Spec!.JobId, JobPhase.Syncing);
    }

    /// <summary>Releases the source's writes the cutover paused (CLIENT UNPAUSE), saying so in the checks.</summary>
    private async Task ReleaseWritesAsync(List<string> checks)
    {
        try
        {
            await WritePause.UnpauseAsync(await ClusterView.MastersAsync(Endpoints.ToCore(State.Spec!.Source), CancellationToken.None), checks, CancellationToken.None);
            checks.Add("writes released on the source (CLIENT UNPAUSE)");
        }
        catch (Exception ex) when (ex is Core.Resp.RespException or CopyException or TimeoutException)
        {
            checks.Add($"the source's writes could not be released ({ex.Message}): they resume when the pause runs out");
        }
    }
}
