namespace DistributedCopy.Abstractions;

/// <summary>One Redis deployment as a job stores it. The password stays out of <see cref="ToString"/>.</summary>
[GenerateSerializer, Immutable, Alias("dcopy.EndpointSpec")]
public sealed record EndpointSpec(
    [property: Id(0)] string Host,
    [property: Id(1)] int Port,
    [property: Id(2)] string? User = null,
    [property: Id(3)] string? Password = null,
    [property: Id(4)] bool UseTls = false,
    [property: Id(5)] string? CaCertificatePath = null,
    [property: Id(6)] bool SkipCertificateValidation = false,
    [property: Id(7)] int Database = 0)
{
    /// <summary>The operator named <see cref="Database"/> ("/0" means database 0 only).</summary>
    [Id(8)] public bool NamesDatabase { get; init; }

    /// <summary>More nodes of the same cluster ("host:port"), tried when the first does not answer.</summary>
    [Id(9)] public IReadOnlyList<string> MoreSeeds { get; init; } = [];

    /// <summary>Deadline of each network operation, in milliseconds.</summary>
    [Id(10)] public int TimeoutMs { get; init; } = 10_000;

    /// <summary>
    /// Where the password is ("env:NAME" or "file:PATH"), resolved by each process that connects; when set,
    /// <see cref="Password"/> is null, so no stored spec holds the password itself.
    /// </summary>
    [Id(20)] public string? PasswordRef { get; init; }

    public override string ToString() => $"{(UseTls ? "rediss" : "redis")}://{Host}:{Port}{(Database != 0 ? "/" + Database : "")}";
}
