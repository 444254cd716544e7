namespace DistributedCopy.Testing;

/// <summary>How a test server is set up: auth, TLS, cluster mode and any extra configuration lines.</summary>
public sealed record RedisServerOptions
{
    /// <summary>Sets requirepass (the default user's password).</summary>
    public string? Password { get; init; }

    /// <summary>An extra ACL user with every permission; clients then authenticate as this user.</summary>
    public string? AclUser { get; init; }

    public string? AclPassword { get; init; }

    /// <summary>Serve TLS only, with certificates made for the test by <see cref="TestCertificates"/>.</summary>
    public bool Tls { get; init; }

    public IReadOnlyList<string> ExtraConfig { get; init; } = [];
}
