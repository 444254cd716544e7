using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>Servers shared by the bad-input cases: a source with a password and keys in databases 0 and 5, a TLS server, an empty target cluster.</summary>
public sealed class BadInputServers : IAsyncLifetime
{
    public const string Secret = "pa55-w0rd-never-shown";

    public RedisServer Source { get; private set; } = null!;

    public RedisServer Tls { get; private set; } = null!;

    public RedisCluster Target { get; private set; } = null!;

    public int FreePort { get; } = PortAllocator.Next();

    public async Task InitializeAsync()
    {
        Source = await RedisServer.StartAsync(new RedisServerOptions { Password = Secret });
        Target = await RedisCluster.StartAsync(masters: 3);
        Tls = await RedisServer.StartAsync(new RedisServerOptions { Tls = true });
        await new StandardDataSet(0.002).LoadAsync(Source.Endpoint);
        await new StandardDataSet(0.001) { Prefix = "db5:" }.LoadAsync(Source.Endpoint with { Database = 5 });
    }

    public async Task DisposeAsync()
    {
        await Source.DisposeAsync();
        await Tls.DisposeAsync();
        await Target.DisposeAsync();
    }
}
