namespace DistributedCopy.Abstractions;

/// <summary>A job as an operator sees it.</summary>
[GenerateSerializer, Immutable, Alias("dcopy.JobStatus")]
public sealed record JobStatus(
    [property: Id(0)] string JobId,
    [property: Id(1)] JobPhase Phase,
    [property: Id(2)] Counters Copied,
    [property: Id(3)] int SlotsDone,
    [property: Id(4)] int SlotsTotal,
    [property: Id(5)] int PartitionsDone,
    [property: Id(6)] int PartitionsTotal,
    [property: Id(7)] long KeysPlanned,
    [property: Id(8)] string? Message,
    [property: Id(9)] VerifyReport? Verify,
    [property: Id(10)] IReadOnlyDictionary<string, long> KeysBySilo,
    [property: Id(11)] long LeasesGranted,
    [property: Id(12)] long LeasesExpired,
    [property: Id(13)] JobKind Kind)
{
    /// <summary>Where each worker last reported from (worker index to silo identity) and when.</summary>
    [Id(14)] public IReadOnlyDictionary<int, WorkerSeen> Workers { get; init; } = new Dictionary<int, WorkerSeen>();

    /// <summary>Progress per source shard (cluster master, or database of a standalone source).</summary>
    [Id(15)] public IReadOnlyList<ShardProgress> Shards { get; init; } = [];

    /// <summary>The text of the last error any worker met, so a count of errors comes with why.</summary>
    [Id(16)] public string? LastError { get; init; }

    /// <summary>Things the operator should know that are not errors, oldest first.</summary>
    [Id(17)] public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>A live sync: counters summed over its partitions, the pending keys summed and the largest lag.</summary>
    [Id(18)] public SyncProgress? Sync { get; init; }

    /// <summary>A live sync that was cut over: what the cutover found over all partitions.</summary>
    [Id(19)] public CutoverSummary? Cutover { get; init; }

    /// <summary>The silo the job's coordinator runs on.</summary>
    [Id(20)] public string? Coordinator { get; init; }

    /// <summary>
    /// With an adaptive rate (--max-source-latency): the worst source latency the workers measured lately, and the keys per
    /// second they are held at together (0 while none is held back); null without one.
    /// </summary>
    [Id(21)] public SourceGuardReading? Guard { get; init; }

    public bool IsFinished => Phase is JobPhase.Completed or JobPhase.Failed or JobPhase.Cancelled;
}
