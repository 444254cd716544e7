namespace DistributedCopy.Core.Cluster;

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

    /// <summary>The operator named <see cref="Database"/> (a URI's "/0" names database 0 and nothing else).</summary>
    public bool NamesDatabase { get; init; }

    /// <summary>
    /// Deadline of every network operation on this deployment: connect, TLS, AUTH, each read and each write. A stalled
    /// node becomes a connection error (retried) instead of a hang.
    /// </summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>What connections call themselves (CLIENT SETNAME): a job's workers name theirs, so `CLIENT LIST` shows who writes.</summary>
    public string ClientName { get; init; } = "dcopy";

    /// <summary>A cluster replica read from (<c>--read-from replica</c>): each connection sends READONLY.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>More nodes of the same cluster ("host:port"), tried in turn when the others do not answer.</summary>
    public IReadOnlyList<string> MoreSeeds { get; init; } = [];

    /// <summary>This endpoint, then one per <see cref="MoreSeeds"/> entry with the same credentials and settings.</summary>
    public IEnumerable<RedisEndpoint> AllSeeds()
    {
        yield return this;
        foreach (var seed in MoreSeeds)
        {
            var colon = seed.LastIndexOf(':');
            yield return WithAddress(seed[..colon].Trim('[', ']'), int.Parse(seed[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The same credentials and TLS settings, for another node of the same deployment.</summary>
    public RedisEndpoint WithAddress(string host, int port) => this with { Host = host, Port = port, MoreSeeds = [] };

    public string Address => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    public override string ToString() => (UseTls ? "rediss://" : "redis://") + Address + (Database != 0 ? "/" + Database : "");
}
