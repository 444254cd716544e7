using DistributedCopy.Abstractions;
using DistributedCopy.Core;

namespace DistributedCopy.Grains;

public static class Endpoints
{
    public static RedisEndpoint ToCore(EndpointSpec spec) => new(spec.Host, spec.Port)
    {
        User = spec.User,
        Password = spec.PasswordRef is { } reference ? PasswordReference.Resolve(reference) : spec.Password,
        UseTls = spec.UseTls,
        CaCertificatePath = spec.CaCertificatePath,
        SkipCertificateValidation = spec.SkipCertificateValidation,
        Database = spec.Database,
        NamesDatabase = spec.NamesDatabase,
        MoreSeeds = spec.MoreSeeds,
        Timeout = TimeSpan.FromMilliseconds(spec.TimeoutMs > 0 ? spec.TimeoutMs : 10_000),
    };

    /// <summary>The endpoint as a job stores it: with <paramref name="passwordRef"/>, a reference in place of the password.</summary>
    public static EndpointSpec FromCore(RedisEndpoint endpoint, string? passwordRef = null) => new(endpoint.Host, endpoint.Port, endpoint.User,
        passwordRef is null ? endpoint.Password : null, endpoint.UseTls, endpoint.CaCertificatePath, endpoint.SkipCertificateValidation, endpoint.Database)
    {
        PasswordRef = passwordRef,
        NamesDatabase = endpoint.NamesDatabase,
        MoreSeeds = endpoint.MoreSeeds,
        TimeoutMs = (int)endpoint.Timeout.TotalMilliseconds,
    };

    /// <summary>How the engine runs a job's leases: the spec's settings; <paramref name="resuming"/> for work done before in part.</summary>
    public static CopyOptions ToCopyOptions(JobSpec spec, bool resuming) => new()
    {
        Policy = ToCore(spec.Policy),
        Mode = spec.Mode switch { "dump" => CopyMode.Dump, "typed" => CopyMode.Typed, _ => CopyMode.Auto },
        BigKeyBytes = spec.BigKeyBytes ?? new CopyOptions().BigKeyBytes,
        BatchSize = spec.BatchSize,
        PipelinesPerShard = spec.PipelinesPerShard,
        Resuming = resuming,
        RetryBudget = TimeSpan.FromMilliseconds(spec.RetryBudgetMs > 0 ? spec.RetryBudgetMs : 45_000),
        ReadFromReplica = spec.ReadFromReplica,
        CopyFunctions = spec.CopyFunctions,
        Selection = KeySelection.Parse(spec.Match, spec.Exclude, spec.Renames, spec.DatabaseMap, spec.Preset, spec.Types),
        JobTag = JobTag(spec.JobId),
        MaxKeysPerSecond = spec.MaxKeysPerSecond > 0 ? Math.Max(1, spec.MaxKeysPerSecond / BusyWorkers(spec)) : 0,
        MaxSourceLatency = spec.MaxSourceLatencyMs > 0 ? TimeSpan.FromMilliseconds(spec.MaxSourceLatencyMs) : null,
    };

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
}
