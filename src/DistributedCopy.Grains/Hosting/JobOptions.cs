using DistributedCopy.Core;

namespace DistributedCopy.Grains;

/// <summary>Timings of job supervision. Defaults: a silo's death costs a few seconds, a busy moment never expires a lease.</summary>
public sealed class JobOptions
{
    /// <summary>How often an active coordinator checks leases and workers.</summary>
    public TimeSpan TickPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a worker may write after the last report its coordinator answered was sent; past it, the worker stops its
    /// writes at once (its lease is gone or unknown).
    /// </summary>
    public TimeSpan LeaseValidFor { get; set; } = TimeSpan.FromSeconds(11);

    /// <summary>
    /// How long a write already under way when a lease ran out may still land (its connections are cut at once; this covers
    /// a busy moment). A silent worker's partition goes back to the pool after <see cref="LeaseValidFor"/> plus this.
    /// </summary>
    public TimeSpan WriteGrace { get; set; } = TimeSpan.FromSeconds(4);

    /// <summary>How often a worker reports progress (and so commits checkpoints).</summary>
    public TimeSpan ReportPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The reminder that re-activates a job after its silos stopped (at least the reminder service's minimum).</summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// False for a silo started only to look at jobs (an embedded `dcopy status` or `cancel` with no dcopy running them):
    /// a job's coordinator activated there does not start its workers.
    /// </summary>
    public bool RunsJobs { get; set; } = true;

    /// <summary>
    /// True for an embedded silo: the only silo that runs this state directory's jobs (it holds the directory's lock), so
    /// leases an earlier process held ended with it and need not be waited out.
    /// </summary>
    public bool SoleSilo { get; set; }
}
