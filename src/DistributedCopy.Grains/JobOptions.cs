using DistributedCopy.Abstractions;
using DistributedCopy.Core;

namespace DistributedCopy.Grains;

/// <summary>Timings of job supervision. Defaults: a silo's death costs a few seconds, a busy moment never expires a lease.</summary>
public sealed class JobOptions
{
    /// <summary>How often an active coordinator checks leases and workers.</summary>
    public TimeSpan TickPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A lease whose worker has not reported for this long goes back to the pool.</summary>
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often a worker reports progress (and so commits checkpoints).</summary>
    public TimeSpan ReportPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The reminder that re-activates a job after its silos stopped (at least the reminder service's minimum).</summary>
    public TimeSpan ReminderPeriod { get; set; } = TimeSpan.FromMinutes(1);
}

public static class JobStorage
{
    /// <summary>The grain storage the coordinator persists to: Redis on the control server, or files in embedded mode.</summary>
    public const string Name = "dcopy";
}

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

    public static OverwritePolicy ToCore(Policy policy) => policy switch
    {
        Policy.SkipExisting => OverwritePolicy.SkipExisting,
        Policy.FailOnExisting => OverwritePolicy.FailOnExisting,
        _ => OverwritePolicy.Replace,
    };
}
