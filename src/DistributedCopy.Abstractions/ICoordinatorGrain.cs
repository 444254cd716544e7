namespace DistributedCopy.Abstractions;

/// <summary>One per job (key: job id): plan, leases, per-slot checkpoints, counters and phase, persisted.</summary>
[Alias("dcopy.ICoordinatorGrain")]
public interface ICoordinatorGrain : IGrainWithStringKey
{
    /// <summary>Starts a new job, or returns the status of the one already under this id.</summary>
    [Alias("Start")]
    Task<JobStatus> StartAsync(JobSpec spec);

    [Alias("Status")]
    Task<JobStatus> GetStatusAsync();

    [Alias("Pause")]
    Task<JobStatus> PauseAsync();

    /// <summary>Continues a paused or failed job, or one whose silos all stopped, from its checkpoints.</summary>
    [Alias("Resume")]
    Task<JobStatus> ResumeAsync();

    [Alias("Cancel")]
    Task<JobStatus> CancelAsync();

    /// <summary>The next partition for worker <paramref name="worker"/>, or null when none is left to lease now.</summary>
    [Alias("Lease")]
    Task<Lease?> LeaseAsync(int worker);

    /// <summary>The worker holding the lease <paramref name="token"/> stopped writing (told to, or its work ended): the partition is free at once.</summary>
    [Alias("Release")]
    Task ReleaseAsync(int worker, long token);

    /// <summary>Commits a worker's progress (done slots, cursor, counters) and renews its lease.</summary>
    [Alias("Report")]
    Task<Directive> ReportAsync(int worker, ProgressReport report);

    /// <summary>
    /// A worker hit an error it could not retry away on its lease <paramref name="token"/>; the job fails (or pauses) with it.
    /// A lease the coordinator no longer knows as this worker's (expired, taken over) changes nothing.
    /// </summary>
    [Alias("Fail")]
    Task FailAsync(int worker, int partitionId, long token, string message, bool pause);

    /// <summary>
    /// Renews the lease <paramref name="token"/> of a partition; false when it is not (or no longer) that worker's. Answered
    /// even while the coordinator is busy with another call (it touches nothing but the lease), so a slow report, a cutover's
    /// pause or a planning never makes a worker's right to write run out.
    /// </summary>
    [Alias("Heartbeat"), Orleans.Concurrency.AlwaysInterleave]
    Task<bool> HeartbeatAsync(int partitionId, long token);

    /// <summary>
    /// Ends a live sync: pauses the source's writes where asked (and allowed), then each partition drains its changes and
    /// checks its counts; the job completes when all have reported (see <see cref="JobStatus.Cutover"/>).
    /// </summary>
    [Alias("Cutover")]
    Task<JobStatus> CutoverAsync(CutoverOrder order);

    /// <summary>The cutover under way, for workers told to cut over (null when there is none).</summary>
    [Alias("GetCutover")]
    Task<CutoverOrder?> GetCutoverAsync();

    /// <summary>The job's spec, for workers that (re)activate.</summary>
    [Alias("Spec")]
    Task<JobSpec?> GetSpecAsync();
}
