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

    public bool IsDatabase => Database >= 0;

    public int SlotCount => IsDatabase ? 0 : EndSlot - StartSlot + 1;
}

/// <summary>A partition leased to a worker: the slots still to do, or the SCAN cursor to start from.</summary>
[GenerateSerializer, Immutable, Alias("dcopy.Lease")]
public sealed record Lease(
    [property: Id(0)] Partition Partition,
    [property: Id(1)] IReadOnlyList<int> Slots,
    [property: Id(2)] string Cursor,
    [property: Id(3)] long Token,
    [property: Id(4)] JobKind Kind,
    [property: Id(5)] bool Resumed)
{
    /// <summary>W3C traceparent of the job's span, so partition spans are its children wherever they run.</summary>
    [Id(6)] public string? TraceParent { get; init; }
}

/// <summary>A worker's progress on its lease since its last report.</summary>
[GenerateSerializer, Immutable, Alias("dcopy.Progress")]
public sealed record ProgressReport(
    [property: Id(0)] int PartitionId,
    [property: Id(1)] long Token,
    [property: Id(2)] IReadOnlyList<int> SlotsDone,
    [property: Id(3)] string? Cursor,
    [property: Id(4)] Counters Counters,
    [property: Id(5)] bool PartitionDone,
    [property: Id(6)] string Silo,
    [property: Id(7)] VerifyReport? Verify = null)
{
    /// <summary>The text of the last error the worker met (retried or not) since its last report.</summary>
    [Id(8)] public string? LastError { get; init; }

    /// <summary>What the operator should know that is not an error (a scan restarted from the start, say).</summary>
    [Id(9)] public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>What the coordinator tells a worker after a report.</summary>
[GenerateSerializer, Alias("dcopy.Directive")]
public enum Directive
{
    Continue = 0,
    /// <summary>The lease is gone (expired and given to another worker): drop the partition.</summary>
    LeaseLost = 1,
    /// <summary>The job is paused, cancelled or finished: stop.</summary>
    Stop = 2,
}
