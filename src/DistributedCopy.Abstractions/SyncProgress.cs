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

    /// <summary>A change feed not proven now ("node: why"): the lag is unknown. Null when every feed is proven.</summary>
    [Id(8)] public string? Unproven { get; init; }

    /// <summary>Keys the comparer compared (a total, not summed from reports).</summary>
    [Id(9)] public long Compared { get; init; }

    /// <summary>Keys the comparer found different and had applied again (a total).</summary>
    [Id(10)] public long Repaired { get; init; }

    /// <summary>Full comparer passes (the fewest over partitions, for a job).</summary>
    [Id(11)] public long ComparePasses { get; init; }

    /// <summary>How far the comparer's current pass is, 0 to 1 (the least over partitions).</summary>
    [Id(12)] public double PassShare { get; init; }

    /// <summary>When the last full pass ended (the earliest over partitions), or null.</summary>
    [Id(13)] public DateTimeOffset? LastPassAt { get; init; }

    /// <summary>By the replication stream: bytes received from the master and not yet applied (summed over partitions).</summary>
    [Id(14)] public long LagBytes { get; init; }

    /// <summary>By the replication stream: the position the target holds, "replid:offset:database" (one partition's), else null.</summary>
    [Id(15)] public string? Position { get; init; }

    public SyncProgress Add(SyncProgress other) =>
        new(Changes + other.Changes, Applied + other.Applied, Deleted + other.Deleted, Reconciles + other.Reconciles, Resubscribes + other.Resubscribes);

    /// <summary>These counters with the gauges (liveness, pending, lag, proof, comparer) of <paramref name="now"/>.</summary>
    public SyncProgress WithGauges(SyncProgress now) => this with
    {
        Live = now.Live,
        Pending = now.Pending,
        LagSeconds = now.LagSeconds,
        Unproven = now.Unproven,
        Compared = now.Compared,
        Repaired = now.Repaired,
        ComparePasses = now.ComparePasses,
        PassShare = now.PassShare,
        LastPassAt = now.LastPassAt,
        LagBytes = now.LagBytes,
        Position = now.Position,
    };

    public SyncProgress Minus(SyncProgress other) =>
        new(Changes - other.Changes, Applied - other.Applied, Deleted - other.Deleted, Reconciles - other.Reconciles, Resubscribes - other.Resubscribes);
}
