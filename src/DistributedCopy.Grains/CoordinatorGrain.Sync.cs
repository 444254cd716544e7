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
        if (spec.Capture == SyncCapture.Replication)
        {
            // one per source master (its stream holds all its slots); the first slot finds its master again, after a failover too
            return plan.GroupBy(p => p.Shard).Select((master, i) =>
                new Partition(i, master.Min(p => p.StartSlot), master.Max(p => p.EndSlot), master.Sum(p => p.Keys)) { Shard = master.Key }).ToList();
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

    /// <summary>The source's writes paused for the cutover under way (in this activation only: it lapses by itself if this one dies).</summary>
    private PauseLease? _pause;

    /// <summary>A verdict is being reached (the timer, which interleaves, must not fail the cutover meanwhile).</summary>
    private bool _deciding;

    public async Task<JobStatus> CutoverAsync(CutoverOrder order)
    {
        if (State.Spec is null || State.ActiveKind != JobKind.Sync || State.Phase != JobPhase.Syncing)
        {
            // not a sync, or one not running (the status says which), or a cutover already under way
            return Status();
        }
        var attempt = ++State.CutoverAttempts;
        var checks = new List<string>();
        if (order.PauseWrites && !order.DryRun)
        {
            try
            {
                // the masters of a topology read now: a failover just before the cutover is followed
                var masters = await ClusterView.MastersAsync(Endpoints.ToCore(State.Spec.Source), CancellationToken.None);
                _pause = await PauseLease.StartAsync(masters, checks, CancellationToken.None);
            }
            catch (Exception ex) when (ex is Core.Resp.RespException or CopyException or TimeoutException)
            {
                checks.Add($"FAILED  pause: the source's masters could not be read to pause them ({ex.Message})");
            }
            if (_pause is null)
            {
                // a pause asked for and refused: no verdict can rest on it
                State.CutoverResult = new CutoverSummary(DateTimeOffset.UtcNow, 0, 0, 0, 0, false, checks) { Attempt = attempt };
                await SaveAsync();
                return Status();
            }
        }
        if (State.Spec.Capture == SyncCapture.Replication && State.Partitions is [{ IsDatabase: false }, ..])
        {
            checks.Add(await MastersFollowedCheckAsync());
        }
        State.Cutover = order with { Paused = _pause is not null, StartedAt = _pause?.PausedAt ?? DateTime.UtcNow, Checks = checks, Attempt = attempt };
        State.CutoverParts.Clear();
        State.CutoverResult = null;
        // the leases stay: each worker checks its partition at its next report, and goes on syncing until the verdict
        State.Phase = JobPhase.CuttingOver;
        State.Message = null;
        await SaveAsync();
        LogPhase(logger, State.Spec.JobId, JobPhase.CuttingOver);
        return Status();
    }

    /// <summary>By the replication stream, one partition per source master: a master added since (a reshard) would be followed by none.</summary>
    private async Task<string> MastersFollowedCheckAsync()
    {
        try
        {
            var masters = await ClusterView.MastersAsync(Endpoints.ToCore(State.Spec!.Source), CancellationToken.None);
            return masters.Count <= State.Partitions.Count
                ? $"ok      masters: the source has {masters.Count} master(s), each followed by a replication link of its own"
                : $"FAILED  masters: the source has {masters.Count} masters now and the sync follows {State.Partitions.Count} (one per master when it started): the keys of a master added since are not followed; sync again into a fresh target";
        }
        catch (Exception ex) when (ex is Core.Resp.RespException or CopyException or TimeoutException)
        {
            return $"FAILED  masters: the source's masters could not be read ({ex.Message})";
        }
    }

    public Task<CutoverOrder?> GetCutoverAsync() => Task.FromResult(State.Phase == JobPhase.CuttingOver ? State.Cutover : null);

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

    /// <summary>
    /// Every partition answered the cutover: the verdict over all of them and the pause. Passed (and not a dry run): the hold
    /// set (or the pause released), the job complete, the workers stop. Otherwise: the pause released at once and the sync
    /// goes on, its leases kept, so the operator fixes what failed and cuts over again.
    /// </summary>
    private async Task DecideCutoverAsync()
    {
        if (_deciding || State.Phase != JobPhase.CuttingOver)
        {
            return;
        }
        _deciding = true;
        try
        {
            await DecideAsync();
        }
        finally
        {
            _deciding = false;
        }
    }

    private async Task DecideAsync()
    {
        var order = State.Cutover ?? new CutoverOrder(false, 0, 0);
        var parts = State.CutoverParts.OrderBy(p => p.Key).ToList();
        var checks = order.Checks.ToList();
        foreach (var (id, part) in parts)
        {
            var label = parts.Count > 1 ? $"[{State.Partitions.FirstOrDefault(p => p.Id == id)?.Shard ?? "partition " + id}] " : "";
            checks.AddRange(part.Checks.Select(c => c.Length > 8 ? c[..8] + label + c[8..] : c));
        }
        if (_pause is not null)
        {
            // renewals stop first, so a lapse cannot come after it was looked at (the pause still has up to 2 s)
            await _pause.FreezeAsync();
        }
        if (order.Paused)
        {
            checks.Add(_pause is null
                ? "FAILED  pause: the coordinator moved during the cutover and no longer holds the pause (it lapsed within 2 s): cut over again"
                : await PauseCheckAsync(_pause));
        }
        var (sourceKeys, targetKeys) = (parts.Sum(p => p.Value.SourceKeys), parts.Sum(p => p.Value.TargetKeys));
        var passed = LiveSync.Passed(checks) && parts.All(p => p.Value.Passed);
        DateTime? until = null;
        if (_pause is not null && passed && !order.DryRun && order.HoldSeconds > 0)
        {
            until = await _pause.HoldAsync(TimeSpan.FromSeconds(order.HoldSeconds), checks);
        }
        else if (_pause is not null)
        {
            await _pause.ReleaseAsync(checks);
        }
        await DropPauseAsync();
        var result = new CutoverSummary(parts.Count == 0 ? DateTimeOffset.UtcNow : parts.Max(p => p.Value.InSyncAt), parts.Count == 0 ? 0 : parts.Max(p => p.Value.LagSeconds),
            parts.Sum(p => p.Value.PendingKeys), sourceKeys, targetKeys, order.Paused, checks)
        {
            Passed = passed,
            DryRun = order.DryRun,
            HeldUntil = until,
            Attempt = order.Attempt,
        };
        State.CutoverResult = result;
        if (passed && !order.DryRun)
        {
            var leftovers = MayHaveLeftovers();
            await SetPhaseAsync(JobPhase.Completed, result.ToString());
            LogPhase(logger, State.Spec!.JobId, JobPhase.Completed);
            if (leftovers)
            {
                // after the verdict, not inside it (the source may be paused meanwhile): a partition that moved may have left
                // big-key chunks, which expire within a day if this does not get to them
                _ = LogLeftoversAsync();
            }
            return;
        }
        await BackToSyncingAsync(order.DryRun ? null : "the last cutover failed; the sync goes on");
    }

    private async Task LogLeftoversAsync()
    {
        if (await RemoveLeftoversAsync() is { } note)
        {
            LogNote(logger, State.Spec!.JobId, -1, note);
        }
    }

    private static async Task<string> PauseCheckAsync(PauseLease pause)
    {
        try
        {
            return await LiveSync.PauseCheckAsync(pause, CancellationToken.None);
        }
        catch (Exception ex) when (ex is Core.Resp.RespException or CopyException or TimeoutException)
        {
            return $"FAILED  pause: the source's masters could not be read again after the checks ({ex.Message})";
        }
    }

    /// <summary>A cutover that did not pass: the sync goes on with the leases it has (no partition is reconciled for it).</summary>
    private async Task BackToSyncingAsync(string? message)
    {
        State.CutoverParts.Clear();
        State.Phase = JobPhase.Syncing;
        State.Message = message;
        await SaveAsync();
        LogPhase(logger, State.Spec!.JobId, JobPhase.Syncing);
    }

    private async Task DropPauseAsync()
    {
        if (_pause is not null)
        {
            await _pause.DisposeAsync();
            _pause = null;
        }
    }

    /// <summary>A cutover whose partitions did not all answer in time (a worker lost on the way): it fails, the pause is released, the sync goes on.</summary>
    private async Task CheckCutoverDeadlineAsync()
    {
        if (_deciding || State.Phase != JobPhase.CuttingOver || State.Cutover is not { } order || DateTime.UtcNow < order.StartedAt.AddSeconds(order.TimeoutSeconds + 30))
        {
            return;
        }
        var checks = order.Checks.ToList();
        var missing = State.Partitions.Count - State.CutoverParts.Count;
        checks.Add($"FAILED  partitions: {missing} of {State.Partitions.Count} did not answer the cutover within {order.TimeoutSeconds + 30:0} s (a worker or silo lost): cut over again");
        await ReleaseWritesAsync(checks);
        var parts = State.CutoverParts.Values.ToList();
        State.CutoverResult = new CutoverSummary(DateTimeOffset.UtcNow, parts.Count == 0 ? 0 : parts.Max(p => p.LagSeconds), parts.Sum(p => p.PendingKeys), 0, 0, order.Paused, checks)
        {
            Attempt = order.Attempt,
            DryRun = order.DryRun,
        };
        await BackToSyncingAsync("the cutover did not finish in time; the sync goes on");
    }

    /// <summary>Releases the source's writes the cutover paused, saying so in the checks.</summary>
    private async Task ReleaseWritesAsync(List<string> checks)
    {
        if (_pause is not null)
        {
            await _pause.ReleaseAsync(checks);
            await DropPauseAsync();
            return;
        }
        if (State.Cutover is not { Paused: true })
        {
            return;
        }
        try
        {
            // paused by an earlier activation (its pause lapses by itself within seconds): released now anyway
            await WritePause.UnpauseAsync(await ClusterView.MastersAsync(Endpoints.ToCore(State.Spec!.Source), CancellationToken.None), checks, CancellationToken.None);
        }
        catch (Exception ex) when (ex is Core.Resp.RespException or CopyException or TimeoutException)
        {
            checks.Add($"note    the source's writes could not be released ({ex.Message}): the pause runs out within seconds");
        }
    }
}
