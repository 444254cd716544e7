namespace DistributedCopy.Abstractions;

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

    /// <summary>How long the worker may write after the last report its coordinator answered was sent (the lease's fence).</summary>
    [Id(7)] public TimeSpan ValidFor { get; init; } = TimeSpan.FromSeconds(11);

    /// <summary>
    /// A database's keys copied, skipped and vanished by earlier leases (settled by their checkpoints): a SCAN that starts
    /// over from the start writes them again, and the lease then reports them as written again.
    /// </summary>
    [Id(8)] public Counters? Before { get; init; }
}
