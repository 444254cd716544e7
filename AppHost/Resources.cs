namespace DistributedCopy.AppHost;

/// <summary>Something the AppHost declares: a Redis, a Redis Cluster or a project run as a process.</summary>
public abstract class Resource(string name)
{
    public string Name { get; } = name;

    public List<Resource> WaitsFor { get; } = [];

    /// <summary>The placeholder a manifest uses for this resource's connection string; replaced by the real one when run.</summary>
    public string ConnectionString => $"{{{Name}.connectionString}}";
}
