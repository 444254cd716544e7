using DistributedCopy.Abstractions;

namespace DistributedCopy.Grains;

/// <summary>A live sync's counters and cutover report as jobs carry them (and the CLI prints them), wherever the sync ran.</summary>
public static class SyncReports
{
    public static SyncProgress Progress(ISyncRun sync)
    {
        var s = sync.Stats;
        return new SyncProgress(s.Changes, s.Applied, s.Deleted, s.Reconciles, s.Resubscribes)
        {
            Live = s.Live,
            Pending = s.Pending,
            LagSeconds = s.LagSeconds,
            Unproven = s.Unproven,
            Compared = s.Compared,
            Repaired = s.Repaired,
            ComparePasses = s.ComparePasses,
            PassShare = s.PassShare,
            LastPassAt = s.LastPassAt,
            LagBytes = s.LagBytes,
            Position = s.Position,
        };
    }

    public static CutoverSummary Summary(CutoverReport report, int attempt) =>
        new(report.InSyncAt, report.LagSeconds, report.PendingKeys, report.SourceKeys, report.TargetKeys, report.WritesPaused, report.Checks)
        {
            Passed = report.Passed,
            DryRun = report.DryRun,
            HeldUntil = report.HeldUntil,
            Attempt = attempt,
        };
}
