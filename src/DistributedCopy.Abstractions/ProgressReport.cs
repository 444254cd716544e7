namespace DistributedCopy.Abstractions;

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

    /// <summary>A live sync's partition: its counters since the last report, and its lag now.</summary>
    [Id(10)] public SyncProgress? Sync { get; init; }

    /// <summary>A live sync's partition, cut over: what its cutover found (with <see cref="PartitionDone"/>).</summary>
    [Id(11)] public CutoverSummary? Cutover { get; init; }

    /// <summary>With an adaptive rate: the source's latency as the worker's probes see it, and the rate it holds to.</summary>
    [Id(12)] public SourceGuardReading? Guard { get; init; }

    /// <summary>
    /// Of the keys this lease reported so far (all its reports, not only this one), those its checkpoint does not cover yet
    /// (keys, skipped and vanished): a lease taken again from the checkpoint goes over them once more.
    /// </summary>
    [Id(13)] public Counters? Unsettled { get; init; }
}
