namespace DistributedCopy.Core.Live;

/// <summary>
/// What a cutover found: one line per check ("ok …" or "FAILED …", each with its figures), whether every check passed, the
/// lag and pending keys when it was made, the key totals, and until when the source stays paused (--hold).
/// </summary>
public sealed record CutoverReport(DateTimeOffset InSyncAt, double LagSeconds, int PendingKeys, long SourceKeys, long TargetKeys, bool WritesPaused, IReadOnlyList<string> Checks)
{
    /// <summary>Every check passed: the target holds what the source holds (expiry accounted for).</summary>
    public bool Passed { get; init; }

    /// <summary>The checks only: nothing was paused or ended.</summary>
    public bool DryRun { get; init; }

    /// <summary>The source's writes stay paused until then (UTC), or null.</summary>
    public DateTime? HeldUntil { get; init; }

    public bool InSync => Passed;

    public override string ToString() => $"cutover {(DryRun ? "dry run " : "")}{(Passed ? "passed" : "failed")} at {InSyncAt:O}, {TargetKeys:N0} keys on the target";
}
