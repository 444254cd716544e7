namespace DistributedCopy.Abstractions;

/// <summary>A live sync's counters (a partition's since its last report, or a job's in all) and how far behind it is.</summary>
[GenerateSerializer, Immutable, Alias("dcopy.SyncProgress")]
public sealed record SyncProgress(
    [property: Id(0)] long Changes = 0,
    [property: Id(1)] long Applied = 0,
    [property: Id(2)] long Deleted = 0,
    [property: Id(3)] long Reconciles = 0,
    [property: Id(4)] long Resubscribes = 0)
{
    /// <summary>Snapshot written (every partition's, for a job): following changes.</summary>
    [Id(5)] public bool Live { get; init; }

    /// <summary>Changed keys waiting to be applied, or being applied.</summary>
    [Id(6)] public int Pending { get; init; }

    /// <summary>Age of the oldest change not yet applied, in seconds (the largest over partitions, for a job).</summary>
    [Id(7)] public double LagSeconds { get; init; }

    public SyncProgress Add(SyncProgress other) =>
        new(Changes + other.Changes, Applied + other.Applied, Deleted + other.Deleted, Reconciles + other.Reconciles, Resubscribes + other.Resubscribes);

    public SyncProgress Minus(SyncProgress other) =>
        new(Changes - other.Changes, Applied - other.Applied, Deleted - other.Deleted, Reconciles - other.Reconciles, Resubscribes - other.Resubscribes);
}
