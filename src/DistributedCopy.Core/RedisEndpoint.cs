namespace DistributedCopy.Core;

/// <summary>Where and how to reach one Redis deployment (a standalone server or any node of a cluster).</summary>
/// <remarks>The password is never part of <see cref="ToString"/>, so an endpoint can be logged.</remarks>
public sealed record RedisEndpoint(string Host, int Port)
{
    public string? User { get; init; }

    public string? Password { get; init; }

    public bool UseTls { get; init; }

    /// <summary>A PEM file whose certificate is the only trusted root; null for the system's trust store.</summary>
    public string? CaCertificatePath { get; init; }

    /// <summary>Accept any server certificate. For test setups only.</summary>
    public bool SkipCertificateValidation { get; init; }

    /// <summary>Database to select on standalone servers.</summary>
    public int Database { get; init; }

    /// <summary>The same credentials and TLS settings, for another node of the same deployment.</summary>
    public RedisEndpoint WithAddress(string host, int port) => this with { Host = host, Port = port };

    public string Address => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    public override string ToString() => (UseTls ? "rediss://" : "redis://") + Address + (Database != 0 ? "/" + Database : "");
}
