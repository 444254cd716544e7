using DistributedCopy.Abstractions;
using DistributedCopy.Core;

namespace DistributedCopy.Grains;

/// <summary>
/// The one way from a job's spec to the engine's options: every <see cref="CopyOptions"/> a job runs with (a worker's lease,
/// dcopy's checks of an RDB file before the job starts) is made here, and a default the spec leaves open is the engine's own.
/// </summary>
public static class JobSpecMapping
{
    /// <summary>How the engine runs a job's leases: the spec's settings; <paramref name="resuming"/> for work done before in part.</summary>
    public static CopyOptions ToCopyOptions(JobSpec spec, bool resuming)
    {
        var defaults = new CopyOptions();
        return new()
        {
            Policy = ToCore(spec.Policy),
            Mode = ToCore(spec.ModeInEffect),
            BigKeyBytes = spec.BigKeyBytes ?? defaults.BigKeyBytes,
            BatchSize = spec.BatchSize,
            PipelinesPerShard = spec.PipelinesPerShard,
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
