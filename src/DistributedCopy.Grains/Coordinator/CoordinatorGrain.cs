using System.Diagnostics;
using DistributedCopy.Abstractions;
using DistributedCopy.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistributedCopy.Grains;

/// <summary>
/// One per job. Plans partitions, leases them to workers, commits their per-slot progress, and keeps the job alive: a
/// timer (while active) expires stale leases and makes sure every worker runs; a reminder re-activates the job after its
/// silo, or every silo, stopped.
/// </summary>
public sealed partial class CoordinatorGrain(
    [PersistentState("job", JobStorage.Name)] IPersistentState<CoordinatorState> state,
    IOptions<JobOptions> options,
    ILogger<CoordinatorGrain> logger) : Grain, ICoordinatorGrain, IRemindable
{
    private const string KeepAlive = "keep-alive";
    private readonly LeaseTable _leases = new(options.Value);
    private readonly Dictionary<int, WorkerSeen> _workers = [];

    /// <summary>Each worker's last reading of the adaptive rate, with when it came (this process's monotonic clock).</summary>
    private readonly Dictionary<int, (SourceGuardReading Reading, long At)> _guards = [];
    private IGrainTimer? _timer;
    private Activity? _span;

    private CoordinatorState State => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // leases held before this activation count as renewed now, whatever the phase (their workers may be writing, a
        // paused job's too); they expire if their worker is gone as well
        _leases.Load(State.Leases, LeaseTable.Now, RuntimeIdentity, options.Value.SoleSilo);
        if (IsActive(State.Phase) && options.Value.RunsJobs)
        {
            StartTimer();
        }
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_pause is not null)
        {
            // a pause held by this activation ends with it, rather than being renewed by a task no one answers to
            await _pause.ReleaseAsync([]);
            await DropPauseAsync();
        }
    }

    public async Task<JobStatus> StartAsync(JobSpec spec)
    {
        if (State.Spec is not null)
        {
            return Status();
        }
        State.Spec = spec;
        State.ActiveKind = spec.Kind;
        StartJobSpan(spec);
        return await PlanAsync(spec);
    }

    /// <summary>
    /// Splits the source into partitions. A planning that fails (no node answers, a password reference this silo cannot
    /// resolve) pauses the job with the reason, and a resume plans again once the cause is gone.
    /// </summary>
    private async Task<JobStatus> PlanAsync(JobSpec spec)
    {
        State.Phase = JobPhase.Planning;
        State.Message = null;
        try
        {
            if (spec.Files.Count > 0)
            {
                // RDB files: one partition per file and database, worked by one worker, its checkpoint a position in the file
                IReadOnlyList<int> databases = spec.Databases.Count > 0 ? spec.Databases : [0];
                State.Partitions = [.. spec.Files.SelectMany((f, i) => databases.Select(d => (File: f, Index: i, Database: d)))
                    .Select((p, id) => new Partition(id, 0, HashSlot.Count - 1, p.File.KeysIn(p.Database), p.Database)
                    {
                        Shard = databases.Count > 1 ? $"{Path.GetFileName(p.File.Path)} db{p.Database}" : Path.GetFileName(p.File.Path),
                        FileIndex = p.Index,
                    })];
            }
            else if (spec.Plan.Count > 0 && spec.Kind != JobKind.Sync)
            {
                State.Partitions = [.. spec.Plan];
            }
            else
            {
                var source = await ClusterView.OpenAsync(Endpoints.ToCore(spec.Source), new Dictionary<string, string>(), CancellationToken.None);
                var plan = await SlotPlanner.PlanAsync(source, spec.Workers * spec.PartitionsPerWorker, spec.Databases);
                State.Partitions = spec.Kind == JobKind.Sync
                    ? SyncPartitions(plan, spec, source.Topology.IsCluster)
                    : plan.Select((p, i) => new Partition(i, p.StartSlot, p.EndSlot, p.Keys, p.Database) { Shard = p.Shard }).ToList();
            }
            State.KeysPlanned = State.Partitions.Sum(p => p.Keys);
            await BaselineEvictionsAsync();
            State.Phase = ActivePhase(spec.Kind);
            LogPlanned(logger, spec.JobId, State.Partitions.Count, State.KeysPlanned, spec.Workers);
        }
        catch (Exception ex) when (ex is Core.Resp.RespException or CopyException)
        {
            State.Phase = JobPhase.Paused;
            State.Message = "planning failed: " + ex.Message;
            LogPlanningFailed(logger, spec.JobId, ex.Message);
        }
        await SaveAsync();
        if (IsActive(State.Phase) && State.Partitions.Count == 0)
        {
            // an empty source: nothing to lease, nothing to wait for
            await FinishPhaseAsync();
        }
        if (IsActive(State.Phase))
        {
            await this.RegisterOrUpdateReminder(KeepAlive, TimeSpan.FromSeconds(10), options.Value.ReminderPeriod);
            StartTimer();
            // the workers start now, not at the timer's first tick
            await EnsureWorkersAsync();
        }
        return Status();
    }

    public Task<JobStatus> GetStatusAsync() => Task.FromResult(Status());

    public Task<JobSpec?> GetSpecAsync() => Task.FromResult(State.Spec);

    public async Task<JobStatus> PauseAsync()
    {
        if (IsActive(State.Phase))
        {
            await SetPhaseAsync(JobPhase.Paused, "paused by the operator");
        }
        return Status();
    }

    public async Task<JobStatus> ResumeAsync()
    {
        if (State.Spec is not null && State.Phase is JobPhase.Paused or JobPhase.Failed && State.Partitions.Count == 0)
        {
            // planning never finished (a source with no keys completes at once, with no partitions either)
            return await PlanAsync(State.Spec);
        }
        if (State.Spec is not null && State.Phase is JobPhase.Paused or JobPhase.Failed)
        {
            // evictions before now were the reason to stop, or are known: only new ones pause again
            await BaselineEvictionsAsync();
            await SetPhaseAsync(ActivePhase(State.ActiveKind), null);
            await this.RegisterOrUpdateReminder(KeepAlive, TimeSpan.FromSeconds(10), options.Value.ReminderPeriod);
        }
        if (IsActive(State.Phase))
        {
            StartTimer();
            await EnsureWorkersAsync();
        }
        return Status();
    }

    public async Task<JobStatus> CancelAsync()
    {
        if (State.Spec is not null && !Status().IsFinished)
        {
            await SetPhaseAsync(JobPhase.Cancelled, "cancelled by the operator");
        }
        return Status();
    }

    /// <summary>
    /// A worker stopped on an error it could not retry away: the job pauses with the reason (every worker stops between
    /// batches, the checkpoints stay), and `dcopy resume` continues once the cause is gone.
    /// </summary>
    public async Task FailAsync(int worker, int partitionId, long token, string message, bool pause)
    {
        if (!_leases.Holds(partitionId, token))
        {
            // a failure on a lease that expired or moved meanwhile: the partition's present holder decides
            LogStaleFailure(logger, State.Spec?.JobId ?? "", worker, partitionId, message);
            return;
        }
        _leases.Drop(partitionId);
        if (IsActive(State.Phase))
        {
            LogWorkerFailed(logger, State.Spec!.JobId, worker, partitionId, message);
            await SetPhaseAsync(pause ? JobPhase.Paused : JobPhase.Failed, message);
        }
    }

    public Task<bool> HeartbeatAsync(int partitionId, long token)
    {
        if (!IsActive(State.Phase) || !_leases.Holds(partitionId, token))
        {
            return Task.FromResult(false);
        }
        _leases.Renew(partitionId, LeaseTable.Now);
        return Task.FromResult(true);
    }

    public async Task ReleaseAsync(int worker, long token)
    {
        if (_leases.Release(token) && State.Spec is not null)
        {
            await SaveAsync();
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!IsActive(State.Phase))
        {
            await UnregisterKeepAliveAsync();
            return;
        }
        StartTimer();
    }

    [LoggerMessage(1, LogLevel.Information, "Job {JobId}: {Partitions} partitions, {Keys} keys, {Workers} workers")]
    private static partial void LogPlanned(ILogger logger, string jobId, int partitions, long keys, int workers);

    [LoggerMessage(2, LogLevel.Warning, "Job {JobId}: worker {Worker} failed on partition {Partition}: {Message}")]
    private static partial void LogWorkerFailed(ILogger logger, string jobId, int worker, int partition, string message);

    [LoggerMessage(7, LogLevel.Warning, "Job {JobId}: worker {Worker} failed on partition {Partition}, a lease it no longer held (ignored): {Message}")]
    private static partial void LogStaleFailure(ILogger logger, string jobId, int worker, int partition, string message);

    [LoggerMessage(3, LogLevel.Information, "Job {JobId}: lease of partition {Partition} by worker {Worker} expired")]
    private static partial void LogLeaseExpired(ILogger logger, string jobId, int partition, int worker);

    [LoggerMessage(5, LogLevel.Warning, "Job {JobId}: worker {Worker}: {Note}")]
    private static partial void LogNote(ILogger logger, string jobId, int worker, string note);

    [LoggerMessage(6, LogLevel.Warning, "Job {JobId}: planning failed, paused: {Message}")]
    private static partial void LogPlanningFailed(ILogger logger, string jobId, string message);

    [LoggerMessage(4, LogLevel.Information, "Job {JobId}: phase {Phase}")]
    private static partial void LogPhase(ILogger logger, string jobId, JobPhase phase);
}
