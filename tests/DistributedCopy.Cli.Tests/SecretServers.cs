using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>Servers shared by the secret cases: a source with a password (and an ACL user without permissions), a TLS server, a target cluster.</summary>
public sealed class SecretServers : IAsyncLifetime
{
    /// <summary>Commas, '@' and ':' in it, the characters that break naive parsers; distinctive pieces to look for in output.</summary>
    public const string Password = "Qx9Vb,Mz4@Hk:Wj7";

    public static readonly string[] Fragments = [Password, "Qx9Vb", "Mz4@Hk", "Hk:Wj7", "Mz4%40", "Qx9Vb%2C"];

    public RedisServer Source { get; private set; } = null!;

    public RedisServer Tls { get; private set; } = null!;

    public RedisCluster Target { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Source = await RedisServer.StartAsync(new RedisServerOptions { Password = Password, ExtraConfig = [$"user noperm on >{Password} -@all"] });
        Tls = await RedisServer.StartAsync(new RedisServerOptions { Tls = true });
        Target = await RedisCluster.StartAsync(masters: 3);
        await Source.ExecuteAsync("SET", "k", "v");
    }

    public async Task DisposeAsync()
    {
        await Source.DisposeAsync();
        await Tls.DisposeAsync();
        await Target.DisposeAsync();
    }
}
