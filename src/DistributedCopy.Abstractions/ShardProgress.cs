namespace DistributedCopy.Abstractions;

[GenerateSerializer, Immutable, Alias("dcopy.ShardProgress")]
public sealed record ShardProgress(
    [property: Id(0)] string Shard,
    [property: Id(1)] int SlotsDone,
    [property: Id(2)] int SlotsTotal,
    [property: Id(3)] int PartitionsDone,
    [property: Id(4)] int PartitionsTotal,
    [property: Id(5)] long KeysPlanned)
{
    /// <summary>Keys copied so far in this shard's partitions (a standalone database's progress, which has no slots).</summary>
    [Id(6)] public long KeysCopied { get; init; }

    /// <summary>A live sync: this shard's lag in seconds (the most of its partitions'), or null.</summary>
    [Id(7)] public double? LagSeconds { get; init; }

    /// <summary>A sync by the replication stream: bytes of this master's stream received and not yet applied, or null.</summary>
    [Id(8)] public long? LagBytes { get; init; }

    /// <summary>A sync by the replication stream: the position of this master's stream the target holds, or null.</summary>
    [Id(9)] public string? Position { get; init; }
}
