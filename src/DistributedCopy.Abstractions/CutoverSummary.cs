namespace DistributedCopy.Abstractions;

/// <summary>What a cutover found: when the target was in sync, how far behind it was, the key counts and the checks made.</summary>
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
    public bool InSync => PendingKeys == 0 && SourceKeys == TargetKeys && LagSeconds == 0;

    public override string ToString() =>
        InSync ? $"target in sync at {InSyncAt:O}, lag 0, {TargetKeys:N0} keys"
        : $"target behind at {InSyncAt:O}: lag {LagSeconds:F2} s, {PendingKeys:N0} changed keys pending, {SourceKeys:N0} keys on the source and {TargetKeys:N0} on the target";
}
