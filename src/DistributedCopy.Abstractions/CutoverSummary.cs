namespace DistributedCopy.Abstractions;

/// <summary>
/// What a cutover found (a partition's, or the job's over all of them): one line per check ("ok …" or "FAILED …" with its
/// figures), whether every one passed, the lag and pending keys, the key totals, until when the source stays paused.
/// </summary>
[GenerateSerializer, Immutable, Alias("dcopy.CutoverSummary")]
public sealed record CutoverSummary(
    [property: Id(0)] DateTimeOffset InSyncAt,
    [property: Id(1)] double LagSeconds,
    [property: Id(2)] int PendingKeys,
    [property: Id(3)] long SourceKeys,
    [property: Id(4)] long TargetKeys,
    [property: Id(5)] bool WritesPaused,
    [property: Id(6)] IReadOnlyList<string> Checks)
{
    /// <summary>Every check passed.</summary>
    [Id(7)] public bool Passed { get; init; }

    [Id(8)] public bool DryRun { get; init; }

    /// <summary>The source's writes stay paused until then (UTC, --hold), or null.</summary>
    [Id(9)] public DateTime? HeldUntil { get; init; }

    /// <summary>The cutover order this answers (its <see cref="CutoverOrder.Attempt"/>).</summary>
    [Id(10)] public int Attempt { get; init; }

    public bool InSync => Passed && !DryRun;

    /// <summary>The cutover's first line, wherever it ran.</summary>
    public override string ToString()
    {
        var failed = Checks.Count(c => c.StartsWith("FAILED", StringComparison.Ordinal));
        var what = DryRun ? "dry run: a cutover now would " : "";
        return Passed
            ? $"{what}{(DryRun ? "pass" : "target in sync")} at {InSyncAt:O}: every check passed ({Checks.Count(c => c.StartsWith("ok", StringComparison.Ordinal))}), {TargetKeys:N0} keys on the target{(HeldUntil is { } until ? $"; the source's writes stay paused until {until:HH:mm:ss} UTC (--hold), `dcopy cutover <job-id> --release` ends that early" : "")}"
            : $"{what}{(DryRun ? "fail" : "target NOT in sync")} at {InSyncAt:O}: {failed} check(s) failed{(DryRun ? "" : "; the sync goes on and the source's writes are released: fix what failed and cut over again")}";
    }
}
