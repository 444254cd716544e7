namespace DistributedCopy.Abstractions;

/// <summary>What a job does. Fixed when the job starts; a resume reuses it.</summary>
[GenerateSerializer, Immutable, Alias("dcopy.JobSpec")]
public sealed record JobSpec(
    [property: Id(0)] string JobId,
    [property: Id(1)] JobKind Kind,
    [property: Id(2)] EndpointSpec Source,
    [property: Id(3)] EndpointSpec Target)
{
    [Id(4)] public Policy Policy { get; init; } = Policy.Replace;

    /// <summary>Worker grains; placement spreads them over the silos.</summary>
    [Id(5)] public int Workers { get; init; } = 4;

    /// <summary>Keys per batch; 0 for the engine's default (<c>CopyOptions.BatchSize</c>).</summary>
    [Id(6)] public int BatchSize { get; init; }

    /// <summary>Batches in flight per source shard and worker; 0 for the engine's default (<c>CopyOptions.PipelinesPerShard</c>).</summary>
    [Id(7)] public int PipelinesPerShard { get; init; }

    /// <summary>Run a verify phase after the copy.</summary>
    [Id(8)] public bool VerifyAfterCopy { get; init; }

    /// <summary>Verify: TTLs further apart than this count as drift.</summary>
    [Id(9)] public long TtlToleranceMs { get; init; } = 2000;

    /// <summary>Verify: example keys kept per category.</summary>
    [Id(10)] public int MaxExamples { get; init; } = 10;

    /// <summary>Partitions per worker the planner aims for (more = finer balance and smaller loss on a crash).</summary>
    [Id(11)] public int PartitionsPerWorker { get; init; } = 8;

    /// <summary>Source databases to copy (standalone sources); empty for all that hold keys.</summary>
    [Id(12)] public IReadOnlyList<int> Databases { get; init; } = [];

    /// <summary>
    /// How long a batch may go on failing transiently before the job pauses with the last error, in milliseconds (0: at the
    /// first failure); negative for the engine's default (<c>CopyOptions.DefaultRetryBudget</c>).
    /// </summary>
    [Id(13)] public int RetryBudgetMs { get; init; } = -1;

    /// <summary>
    /// Field 14: the mode as text ("auto", "dump", "typed"), as jobs stored before <see cref="Mode"/> (field 33) hold it; a resume
    /// of such a job reads it (<see cref="ModeInEffect"/>). dcopy writes it beside field 33, so a silo of a build before it
    /// still runs a new job in its mode.
    /// </summary>
    [Id(14)] public string? StoredModeText { get; init; }

    /// <summary>How keys are written (--mode).</summary>
    [Id(33)] public WriteMode Mode { get; init; }

    /// <summary>The mode the job runs with: <see cref="Mode"/>, or for a job stored before it, <see cref="StoredModeText"/>.</summary>
    public WriteMode ModeInEffect => Mode != WriteMode.Auto ? Mode
        : StoredModeText switch { "dump" => WriteMode.Dump, "typed" => WriteMode.Typed, _ => WriteMode.Auto };

    /// <summary>Keys above this many bytes (MEMORY USAGE) are copied and verified in chunks; 0 for never; null for the engine's default.</summary>
    [Id(15)] public long? BigKeyBytes { get; init; }

    /// <summary>Sync: set notify-keyspace-events on source masters that lack a class sync needs (else the sync fails saying so).</summary>
    [Id(16)] public bool ConfigureNotifications { get; init; }

    /// <summary>Sync: how often both sides' key counts are compared, in milliseconds (at least 200); 0 for the engine's default (<c>SyncOptions.SweepEvery</c>).</summary>
    [Id(17)] public int SweepMs { get; init; }

    /// <summary>Read the source from a replica of each master (--read-from replica); writes, such as a cutover's pause, still go to the masters.</summary>
    [Id(18)] public bool ReadFromReplica { get; init; }

    /// <summary>Globs a key must match one of (none: every key).</summary>
    [Id(19)] public IReadOnlyList<string> Match { get; init; } = [];

    /// <summary>Globs of keys left out.</summary>
    [Id(20)] public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>REGEX=REPLACEMENT rules naming keys anew on the target, the first that matches wins.</summary>
    [Id(21)] public IReadOnlyList<string> Renames { get; init; } = [];

    /// <summary>SOURCE=TARGET database pairs of a standalone source.</summary>
    [Id(22)] public IReadOnlyList<string> DatabaseMap { get; init; } = [];

    /// <summary>A conversion of names and values ("aspnet-session-v5"), or empty.</summary>
    [Id(23)] public string Preset { get; init; } = "";

    /// <summary>The types taken (string, list, set, zset, hash, stream); empty for all.</summary>
    [Id(24)] public IReadOnlyList<string> Types { get; init; } = [];

    /// <summary>RDB files loaded in place of a source (one partition each, <see cref="Databases"/> holding the one database loaded); empty for a Redis source.</summary>
    [Id(25)] public IReadOnlyList<RdbFileSpec> Files { get; init; } = [];

    /// <summary>RDB files: their function libraries are loaded into every target master too.</summary>
    [Id(26)] public bool CopyFunctions { get; init; }

    /// <summary>
    /// Partitions the client planned while the silo started (copy and verify of a Redis source); empty: the coordinator
    /// plans. Only a balance: every slot is in one partition either way, and a resume keeps the stored plan.
    /// </summary>
    [Id(27)] public IReadOnlyList<Partition> Plan { get; init; } = [];

    /// <summary>Sync: no canary writes on the source (--no-canary); feeds are then unproven and a cutover compares every slot.</summary>
    [Id(28)] public bool NoCanary { get; init; }

    /// <summary>Sync: the comparer's rate in keys per second for the whole job (0 turns it off); null for the engine's default (<c>SyncOptions.CompareKeysPerSecond</c>).</summary>
    [Id(29)] public int? CompareKeysPerSecond { get; init; }

    /// <summary>Keys per second the whole job reads and writes at most (shared by its workers); 0 for no limit.</summary>
    [Id(30)] public int MaxKeysPerSecond { get; init; }

    /// <summary>
    /// The adaptive rate: workers slow down while the source takes longer than this many milliseconds to answer a PING,
    /// and speed up again below it (up to <see cref="MaxKeysPerSecond"/>); 0 for none.
    /// </summary>
    [Id(31)] public double MaxSourceLatencyMs { get; init; }

    /// <summary>Sync: how the source's writes are followed (--capture).</summary>
    [Id(32)] public SyncCapture Capture { get; init; }

    /// <summary>A job with every setting at its default: where dcopy's options take their defaults from.</summary>
    public static JobSpec Defaults { get; } = new("", JobKind.Copy, new EndpointSpec("", 0), new EndpointSpec("", 0));

}
