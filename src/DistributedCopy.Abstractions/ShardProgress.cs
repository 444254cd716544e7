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
}
