namespace DistributedCopy.AppHost;

public sealed class RedisClusterResource(string name, int masters) : Resource(name)
{
    public int Masters { get; } = masters;

    /// <summary>Scale of the standard data set loaded once the cluster is up; 0 for none.</summary>
    public double SampleScale { get; set; }
}
