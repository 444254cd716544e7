using DistributedCopy.Core;

namespace DistributedCopy.Grains;

/// <summary>Timings of job supervision. Defaults: a silo's death costs a few seconds, a busy moment never expires a lease.</summary>
public sealed class JobOptions
{
    /// <summary>How often an active coordinator checks leases and workers.</summary>
    public TimeSpan TickPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A lease whose worker has not reported for this long goes back to the pool.</summary>
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often a worker reports progress (and so commits checkpoints).</summary>
    public TimeSpan ReportPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The reminder that re-activates a job after its silos stopped (at least the reminder service's minimum).</summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// False for a silo started only to look at jobs (an embedded `dcopy status` or `cancel` with no dcopy running them):
    /// a job's coordinator activated there does not start its workers.
    /// </summary>
    public bool RunsJobs { get; set; } = true;
}
