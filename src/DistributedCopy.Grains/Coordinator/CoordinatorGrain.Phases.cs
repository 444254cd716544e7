using System.Diagnostics;
using DistributedCopy.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistributedCopy.Grains;

// CoordinatorGrain, part 3: phases, the job's span and status.
public sealed partial class CoordinatorGrain
{
    /// <summary>
    /// The job's span lives as long as this activation (it ends when the job finishes here); its context is stored, so
    /// partitions leased later, from any silo, are its children.
    /// </summary>
    private void StartJobSpan(JobSpec spec)
    {
        var previous = Activity.Current;
        Activity.Current = null;
        _span = Instruments.Source.StartActivity("job", ActivityKind.Internal);
        Activity.Current = previous;
        if (_span is not null)
        {
            _span.SetTag("distributedcopy.job", spec.JobId);
            _span.SetTag("distributedcopy.kind", spec.Kind.ToString());
            State.TraceParent = _span.Id;
        }
    }

    private static bool IsActive(JobPhase phase) => phase is JobPhase.Copying or JobPhase.Verifying or JobPhase.Syncing or JobPhase.CuttingOver;

    /// <summary>The phase a job of <paramref name="kind"/> works in (and a resume returns to).</summary>
    private static JobPhase ActivePhase(JobKind kind) => kind switch
    {
        JobKind.Verify => JobPhase.Verifying,
        JobKind.Sync => JobPhase.Syncing,
        _ => JobPhase.Copying,
    };

    private async Task SetPhaseAsync(JobPhase phase, string? message)
    {
        if (State.Phase == JobPhase.CuttingOver && phase != JobPhase.Completed)
        {
            // a cutover that stops (failed, paused, cancelled) does not leave the source's writes paused
            await ReleaseWritesAsync([]);
        }
        State.Phase = phase;
        State.Message = message;
        // leases granted before now end with this phase change: their late reports are refused, and their partitions stay
        // fenced until their workers say they stopped (or are silent past the fence)
        _leases.RevokeAll();
        State.PhaseFirstToken = State.LeasesGranted;
        await SaveAsync();
        if (!IsActive(phase))
        {
            _span?.SetTag("distributedcopy.phase", phase.ToString());
            _span?.SetStatus(phase == JobPhase.Completed ? ActivityStatusCode.Ok : ActivityStatusCode.Error, message);
            _span?.Stop();
            _span = null;
            _timer?.Dispose();
            _timer = null;
            // not awaited: the reminder service may be slow (its silo far or gone), and this may run inside a worker's report;
            // a reminder left behind unregisters itself when it fires on a finished job
            _ = UnregisterQuietlyAsync();
        }
    }

    /// <summary>Writes the state (with the leases, which a later activation takes over or waits out).</summary>
    private Task SaveAsync()
    {
        State.Leases = _leases.ToState(RuntimeIdentity);
        return state.WriteStateAsync();
    }

    private async Task UnregisterQuietlyAsync()
    {
        try
        {
            await UnregisterKeepAliveAsync();
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            // the next firing tries again
        }
    }

    private async Task UnregisterKeepAliveAsync()
    {
        if (await this.GetReminder(KeepAlive) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>
    /// The adaptive rate over the workers that reported it in the last 3 s (a finished worker's last reading goes stale):
    /// the worst latency, and the rates of those held back, summed; null without an adaptive rate or while none reports.
    /// </summary>
    private SourceGuardReading? GuardStatus()
    {
        var fresh = _guards.Values.Where(g => LeaseTable.Now - g.At < 3000 && State.Phase is JobPhase.Copying or JobPhase.Syncing).Select(g => g.Reading).ToList();
        return fresh.Count == 0 ? null : new SourceGuardReading(fresh.Max(g => g.LatencyMs), fresh.Sum(g => g.HeldAtKeysPerSecond));
    }

    private JobStatus Status() => new(
        this.GetPrimaryKeyString(), State.Phase, State.Copied, State.SlotsDone,
        State.Partitions.Where(p => !p.IsDatabase).Sum(p => p.SlotCount), State.DonePartitions.Count, State.Partitions.Count,
        State.KeysPlanned, State.Message, State.Verify, new Dictionary<string, long>(State.KeysBySilo), State.LeasesGranted, State.LeasesExpired,
        State.ActiveKind)
    {
        LastError = State.LastError,
        Sync = SyncStatus(),
        Cutover = State.CutoverResult,
        Coordinator = RuntimeIdentity,
        Guard = GuardStatus(),
        Notes = State.Notes.ToList(),
        Workers = new Dictionary<int, WorkerSeen>(_workers),
        Shards = State.Partitions.GroupBy(p => p.Shard).Select(g => new ShardProgress(
            g.Key,
            g.Where(p => !p.IsDatabase).Sum(p => Enumerable.Range(p.StartSlot, p.SlotCount).Count(State.IsSlotDone)),
            g.Sum(p => p.SlotCount),
            g.Count(p => State.DonePartitions.Contains(p.Id)),
            g.Count(),
            g.Sum(p => p.Keys))
        {
            KeysCopied = g.Sum(p => Written(p.Id).Keys),
            LagSeconds = g.Select(p => _syncNow.GetValueOrDefault(p.Id)?.LagSeconds).Max(),
            LagBytes = g.Select(p => _syncNow.GetValueOrDefault(p.Id)).Where(n => n?.Position is not null).Sum(n => n!.LagBytes) is var bytes && g.Any(p => _syncNow.GetValueOrDefault(p.Id)?.Position is not null) ? bytes : null,
            Position = g.Select(p => _syncNow.GetValueOrDefault(p.Id)?.Position).FirstOrDefault(p => p is not null),
        }).ToList(),
    };
}
