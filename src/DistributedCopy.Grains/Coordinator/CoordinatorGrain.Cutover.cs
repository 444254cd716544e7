using DistributedCopy.Abstractions;
using DistributedCopy.Core;
using Microsoft.Extensions.Logging;

namespace DistributedCopy.Grains;

// CoordinatorGrain, part 6: a sync's cutover. The coordinator pauses the source (where asked), each partition's worker
// checks its part while it goes on syncing, and the verdict over every answer and the pause completes the job, or not.
public sealed partial class CoordinatorGrain
{
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
