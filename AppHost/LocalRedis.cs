using System.Globalization;
using Aspire.Hosting.ApplicationModel;

namespace DistributedCopy.AppHost;

/// <summary>
/// One redis-server on a loopback port, run by the orchestrator as an executable. Its settings (and the password, when it
/// has one) are in a file of the run's own folder, never on its command line.
/// </summary>
public sealed class RedisServerResource(string name, string configFile, int port, ParameterResource? password)
    : ExecutableResource(name, "redis-server", Path.GetDirectoryName(configFile)!), IResourceWithConnectionString
{
    public int Port { get; } = port;

    public string ConfigFile { get; } = configFile;

    public ParameterResource? Password { get; } = password;

    public ReferenceExpression ConnectionStringExpression => Password is null
        ? ReferenceExpression.Create($"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}")
        : ReferenceExpression.Create($"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)},password={Password}");
}

/// <summary>
/// A Redis Cluster of redis-server executables: formed (slots split evenly, nodes met) once every node answers, then
/// loaded with the standard data set when asked; Running (and so what waits for it may start) only after that.
/// </summary>
public sealed class RedisClusterResource(string name, IReadOnlyList<RedisServerResource> nodes)
    : Resource(name), IResourceWithConnectionString, IResourceWithWaitSupport
{
    public IReadOnlyList<RedisServerResource> Nodes { get; } = nodes;

    /// <summary>The standard data set's scale to load (0: none).</summary>
    public double SampleScale { get; set; }

    public ReferenceExpression ConnectionStringExpression => Nodes[0].ConnectionStringExpression;
}
