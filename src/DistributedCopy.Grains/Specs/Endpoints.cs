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
}
