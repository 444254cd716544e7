using DistributedCopy.Abstractions;
using DistributedCopy.Core;

namespace DistributedCopy.Grains;

/// <summary>
/// The one way from a job's spec to the engine's options: every <see cref="CopyOptions"/> a job runs with (a worker's lease,
/// dcopy's checks of an RDB file before the job starts) is made here, and a default the spec leaves open is the engine's own
/// (<see cref="EngineDefaults"/>, which dcopy's options show as theirs).
/// </summary>
public static class JobSpecMapping
{
    /// <summary>How the engine runs a job's leases: the spec's settings; <paramref name="resuming"/> for work done before in part.</summary>
    /// <summary>The engine's defaults, declared once in <see cref="CopyOptions"/>.</summary>
    public static CopyOptions EngineDefaults { get; } = new();

    public static CopyOptions ToCopyOptions(JobSpec spec, bool resuming)
    {
        var defaults = EngineDefaults;
        return new()
        {
            Policy = ToCore(spec.Policy),
            Mode = ToCore(spec.ModeInEffect),
            BigKeyBytes = spec.BigKeyBytes ?? defaults.BigKeyBytes,
            BatchSize = spec.BatchSize > 0 ? spec.BatchSize : defaults.BatchSize,
            PipelinesPerShard = spec.PipelinesPerShard > 0 ? spec.PipelinesPerShard : defaults.PipelinesPerShard,
            Resuming = resuming,
            RetryBudget = spec.RetryBudgetMs >= 0 ? TimeSpan.FromMilliseconds(spec.RetryBudgetMs) : defaults.RetryBudget,
            ReadFromReplica = spec.ReadFromReplica,
            CopyFunctions = spec.CopyFunctions,
            Selection = KeySelection.Parse(spec.Match, spec.Exclude, spec.Renames, spec.DatabaseMap, spec.Preset, spec.Types),
            JobTag = JobTag(spec.JobId),
            MaxKeysPerSecond = spec.MaxKeysPerSecond > 0 ? Math.Max(1, spec.MaxKeysPerSecond / BusyWorkers(spec)) : 0,
            MaxSourceLatency = spec.MaxSourceLatencyMs > 0 ? TimeSpan.FromMilliseconds(spec.MaxSourceLatencyMs) : null,
        };
    }

    /// <summary>The engine's sync defaults, declared once in <see cref="SyncOptions"/>.</summary>
    public static SyncOptions SyncDefaults { get; } = new();

    /// <summary>How a sync lease follows its partition: the spec's settings, the job's comparer rate shared by its partitions.</summary>
    public static SyncOptions ToSyncOptions(JobSpec spec, Lease lease, Action<int>? slotCopied)
    {
        var partition = lease.Partition;
        var defaults = SyncDefaults;
        return new()
        {
            ConfigureNotifications = spec.ConfigureNotifications,
            Canary = !spec.NoCanary,
            CompareKeysPerSecond = (spec.CompareKeysPerSecond ?? defaults.CompareKeysPerSecond) is var rate and > 0 ? Math.Max(1, rate / Math.Max(1, partition.IsDatabase ? 1 : spec.Workers)) : 0,
            TtlToleranceMs = spec.TtlToleranceMs,
            SweepEvery = spec.SweepMs > 0 ? TimeSpan.FromMilliseconds(Math.Max(200, spec.SweepMs)) : defaults.SweepEvery,
            Resuming = lease.Resumed,
            Slots = partition.IsDatabase ? null : [new SlotRange(partition.StartSlot, partition.EndSlot)],
            Share = partition.Ranges is { } ranges ? [.. ranges.Chunk(2).Select(pair => new SlotRange(pair[0], pair[1]))] : null,
            SlotCopied = slotCopied,
        };
    }

    /// <summary>How many workers work at once: the workers, or fewer partitions (a standalone source's databases).</summary>
    public static int BusyWorkers(JobSpec spec) => Math.Max(1, spec.Plan.Count > 0 ? Math.Min(spec.Workers, spec.Plan.Count) : spec.Workers);

    /// <summary>A short tag of the job's id (hex, safe in key names and SCAN patterns): in big keys' temporary names and connections' names.</summary>
    public static string JobTag(string jobId) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(jobId)).AsSpan(0, 4));

    public static OverwritePolicy ToCore(Policy policy) => policy switch
    {
        Policy.SkipExisting => OverwritePolicy.SkipExisting,
        Policy.FailOnExisting => OverwritePolicy.FailOnExisting,
        _ => OverwritePolicy.Replace,
    };

    public static CopyMode ToCore(WriteMode mode) => mode switch
    {
        WriteMode.Dump => CopyMode.Dump,
        WriteMode.Typed => CopyMode.Typed,
        _ => CopyMode.Auto,
    };
}
