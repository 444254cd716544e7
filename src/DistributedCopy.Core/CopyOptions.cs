namespace DistributedCopy.Core;

/// <summary>How the engine copies: batch sizes, parallelism and policy. Defaults suit a 2-core copier near its servers.</summary>
public sealed record CopyOptions
{
    public OverwritePolicy Policy { get; init; } = OverwritePolicy.Replace;

    /// <summary>RESTORE, by type, or RESTORE with by-type where the target refuses a payload.</summary>
    public CopyMode Mode { get; init; } = CopyMode.Auto;

    /// <summary>
    /// Keys whose MEMORY USAGE is above this many bytes are not DUMPed but copied in chunks (in auto and typed modes), so
    /// memory stays bounded whatever the key size; 0 turns sizing off. Where MEMORY USAGE is refused, keys are not sized.
    /// </summary>
    public long BigKeyBytes { get; init; } = 32 * 1024 * 1024;

    /// <summary>About how many bytes one read of a big key takes (GETRANGE, LRANGE, HSCAN, SSCAN, ZSCAN, XRANGE).</summary>
    public int ChunkBytes { get; init; } = 1024 * 1024;

    /// <summary>Keys per pipelined DUMP/PTTL and RESTORE batch.</summary>
    public int BatchSize { get; init; } = 1000;

    /// <summary>About how many payload bytes one pipeline reads at once: a batch of big values is copied in several reads.</summary>
    public long MaxBatchBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Payload bytes all pipelines of an engine may hold at once (one read larger than this still goes, alone).</summary>
    public long MaxBytesInFlight { get; init; } = 32 * 1024 * 1024;

    /// <summary>Batches in flight per source shard (each with its own connections), so slow round trips overlap.</summary>
    public int PipelinesPerShard { get; init; } = 4;

    /// <summary>Slots whose key count is above this are walked with SCAN instead of one GETKEYSINSLOT.</summary>
    public int LargeSlotThreshold { get; init; } = 5000;

    /// <summary>Slots counted with one pipelined round of COUNTKEYSINSLOT.</summary>
    public int SlotWindow { get; init; } = 64;

    /// <summary>SCAN COUNT hint for standalone sources and large slots.</summary>
    public int ScanCount { get; init; } = 1000;

    /// <summary>Retries of one batch after connection failures or redirects before the copy fails; <see cref="RetryBudget"/> bounds them too.</summary>
    public int MaxRetries { get; init; } = 20;

    /// <summary>
    /// How long one batch (or enumeration step) may go on failing transiently before the copy stops with the last error:
    /// enough for a failover (backoff up to 5 s, with jitter). Attempts that wait for a stalled node spend it too.
    /// </summary>
    public TimeSpan RetryBudget { get; init; } = DefaultRetryBudget;

    /// <summary>The retry budget when none is given (dcopy's --retry-budget, a job that names none).</summary>
    public static readonly TimeSpan DefaultRetryBudget = TimeSpan.FromSeconds(45);

    /// <summary>
    /// The same payloads were possibly written before (a resumed or retried copy): a BUSYKEY then means "already there",
    /// even under <see cref="OverwritePolicy.FailOnExisting"/>.
    /// </summary>
    public bool Resuming { get; init; }

    /// <summary>
    /// After each batch, WAIT until one replica of every target master that has replicas holds the writes, so a failover
    /// of the target cannot lose keys already counted (and checkpointed) as copied. A replica that does not answer within
    /// <see cref="ReplicaTimeout"/> makes the batch retry.
    /// </summary>
    public bool WaitForReplicas { get; init; } = true;

    public TimeSpan ReplicaTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Read the source from a replica of each master (list, DUMP, count; a live sync's notifications too), to spare the
    /// masters; writes (a cutover's pause) still go to the masters. A master without an online replica fails the job.
    /// </summary>
    public bool ReadFromReplica { get; init; }

    /// <summary>An RDB file's functions (FUNCTION LOAD libraries) are loaded into every target master too (REPLACE), before its keys.</summary>
    public bool CopyFunctions { get; init; }

    /// <summary>Which keys are copied and what they are called on the target (filters, renames, database map); all by default.</summary>
    public KeySelection Selection { get; init; } = KeySelection.All;

    /// <summary>Addresses the servers announce mapped to the addresses this copier must use ("host:port" to "host:port"), for NAT and proxies.</summary>
    public IReadOnlyDictionary<string, string> AddressMap { get; init; } = new Dictionary<string, string>();

    /// <summary>At most this many keys per second are read (and written) by this engine; 0 for no limit.</summary>
    public int MaxKeysPerSecond { get; init; }

    /// <summary>
    /// An adaptive rate: the copy slows down while the source takes longer than this to answer a PING (probed every 100 ms on
    /// a connection of its own), and speeds up again when it answers in time; null for none. <see cref="MaxKeysPerSecond"/>
    /// stays the ceiling.
    /// </summary>
    public TimeSpan? MaxSourceLatency { get; init; }

    /// <summary>The adaptive rate never holds an engine below this: a source slow for its own reasons slows the copy, never stops it.</summary>
    public const int AdaptiveFloorKeysPerSecond = 200;

    /// <summary>Waited on before each batch a pipeline takes (with its key count): a rate limit (a live sync's comparer); null for none.</summary>
    internal Func<int, CancellationToken, ValueTask>? Throttle { get; init; }

    /// <summary>The job's tag in the temporary names of big keys, so its leftovers can be found when it ends ("dcopy" outside a job).</summary>
    public string JobTag { get; init; } = "dcopy";

    /// <summary>
    /// The worker's lease as a right to write (null outside a job): checked before each batch's writes, and its running
    /// out cancels writes under way.
    /// </summary>
    public WriteFence? Fence { get; init; }

    /// <summary>Called with each small slot after its keys are counted and before they are listed. For tests of races; null in production.</summary>
    internal Func<int, Task>? BeforeListHook { get; init; }

    /// <summary>Called with the keys of a batch after enumeration and before DUMP. For tests of races; null in production.</summary>
    internal Func<IReadOnlyList<byte[]>, Task>? BeforeReadHook { get; init; }

    public void Validate()
    {
        if (BatchSize is < 1 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "batch size must be 1 to 100000");
        }
        if (PipelinesPerShard is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(PipelinesPerShard), PipelinesPerShard, "pipelines per shard must be 1 to 64");
        }
        if (LargeSlotThreshold < 1 || SlotWindow < 1 || ScanCount < 1 || MaxRetries < 0 || RetryBudget < TimeSpan.Zero || MaxBatchBytes < 1 || MaxBytesInFlight < 1 || BigKeyBytes < 0 || ChunkBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(LargeSlotThreshold), "thresholds, windows and counts must be positive");
        }
    }
}
