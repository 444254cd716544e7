namespace DistributedCopy.Abstractions;

[GenerateSerializer, Alias("dcopy.JobPhase")]
public enum JobPhase
{
    New = 0,
    Planning = 1,
    Copying = 2,
    Verifying = 3,
    Paused = 4,
    Cancelled = 5,
    Completed = 6,
    Failed = 7,
}

/// <summary>Counters a worker adds to the job with each report.</summary>
/// <remarks>No shared instance (such as a static zero): a storage serializer that populates objects would change it for all.</remarks>
[GenerateSerializer, Immutable, Alias("dcopy.Counters")]
public sealed record Counters(
    [property: Id(0)] long Keys = 0,
    [property: Id(1)] long Bytes = 0,
    [property: Id(2)] long Skipped = 0,
    [property: Id(3)] long Vanished = 0,
    [property: Id(4)] long Errors = 0)
{
    public Counters Add(Counters other) =>
        new(Keys + other.Keys, Bytes + other.Bytes, Skipped + other.Skipped, Vanished + other.Vanished, Errors + other.Errors);
}

/// <summary>What verify found, per category, with example keys.</summary>
[GenerateSerializer, Immutable, Alias("dcopy.VerifyReport")]
public sealed record VerifyReport(
    [property: Id(0)] long Compared = 0,
    [property: Id(1)] long Missing = 0,
    [property: Id(2)] long TypeMismatch = 0,
    [property: Id(3)] long ValueMismatch = 0,
    [property: Id(4)] long TtlDrift = 0,
    [property: Id(5)] IReadOnlyList<string>? Examples = null)
{
    /// <summary>Keys on the target that the source does not have; not counted as differences (a target may hold keys of its own).</summary>
    [Id(6)] public long Extra { get; init; }

    public long Differences => Missing + TypeMismatch + ValueMismatch + TtlDrift;

    public VerifyReport Add(VerifyReport other, int maxExamples) => new(
        Compared + other.Compared, Missing + other.Missing, TypeMismatch + other.TypeMismatch, ValueMismatch + other.ValueMismatch,
        TtlDrift + other.TtlDrift, (Examples ?? []).Concat(other.Examples ?? []).Take(maxExamples * 5).ToList())
    {
        Extra = Extra + other.Extra,
    };
}

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

    public bool IsFinished => Phase is JobPhase.Completed or JobPhase.Failed or JobPhase.Cancelled;
}

[GenerateSerializer, Immutable, Alias("dcopy.WorkerSeen")]
public sealed record WorkerSeen([property: Id(0)] string Silo, [property: Id(1)] DateTime LastReport, [property: Id(2)] long Keys);

[GenerateSerializer, Immutable, Alias("dcopy.ShardProgress")]
public sealed record ShardProgress(
    [property: Id(0)] string Shard,
    [property: Id(1)] int SlotsDone,
    [property: Id(2)] int SlotsTotal,
    [property: Id(3)] int PartitionsDone,
    [property: Id(4)] int PartitionsTotal,
    [property: Id(5)] long KeysPlanned);
