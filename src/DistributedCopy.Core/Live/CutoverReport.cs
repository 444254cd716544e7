namespace DistributedCopy.Core.Live;

/// <summary>What a cutover found: when the target was in sync, how far behind it was, and the checks made.</summary>
public sealed record CutoverReport(DateTimeOffset InSyncAt, double LagSeconds, int PendingKeys, long SourceKeys, long TargetKeys, bool WritesPaused, IReadOnlyList<string> Checks)
{
    public bool InSync => PendingKeys == 0 && SourceKeys == TargetKeys && LagSeconds == 0;

    public override string ToString() =>
        InSync ? $"target in sync at {InSyncAt:O}, lag 0, {TargetKeys:N0} keys"
        : $"target behind at {InSyncAt:O}: lag {LagSeconds:F2} s, {PendingKeys:N0} changed keys pending, {SourceKeys:N0} keys on the source and {TargetKeys:N0} on the target";
}
