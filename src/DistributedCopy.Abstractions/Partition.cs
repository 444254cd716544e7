namespace DistributedCopy.Abstractions;

/// <summary>
/// A unit of work: contiguous slots of one source shard (cluster sources), or one database walked with SCAN (standalone
/// sources, <see cref="Database"/> ≥ 0).
/// </summary>
[GenerateSerializer, Immutable, Alias("dcopy.Partition")]
public sealed record Partition(
    [property: Id(0)] int Id,
    [property: Id(1)] int StartSlot,
    [property: Id(2)] int EndSlot,
    [property: Id(3)] long Keys,
    [property: Id(4)] int Database = -1)
{
    /// <summary>The source master it is read from, or the database ("db3"), for per-shard progress.</summary>
    [Id(5)] public string Shard { get; init; } = "";

    /// <summary>The job's file (<see cref="JobSpec.Files"/>) this partition loads, or -1; its cursor is a position in the file.</summary>
    [Id(6)] public int FileIndex { get; init; } = -1;

    /// <summary>
    /// A sync by the replication stream: the slots its stream writes from its start (those its master served when the job
    /// began), as start,end pairs (a master's slots need not be one range after a reshard); empty for a master added to the
    /// source since (each of its slots is handed over by the partition that wrote it); null: <see cref="StartSlot"/> to
    /// <see cref="EndSlot"/>.
    /// </summary>
    [Id(7)] public int[]? Ranges { get; init; }

    public bool IsDatabase => Database >= 0;

    public int SlotCount => IsDatabase ? 0 : EndSlot - StartSlot + 1;
}
