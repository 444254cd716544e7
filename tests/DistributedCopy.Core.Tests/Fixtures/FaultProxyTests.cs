using System.Diagnostics;
using DistributedCopy.Testing;
using StackExchange.Redis;

namespace DistributedCopy.Core.Tests.Fixtures;

public sealed class FaultProxyTests
{
    [RedisFact]
    public async Task AProxyForwardsCommandsAndCountsItsConnectionsAndBytes()
    {
        await using var server = await RedisServer.StartAsync();
        await using var proxy = FaultProxy.Start(server.Port);
        await using var connection = await RespConnection.ConnectAsync(Through(server, proxy));
        await connection.ExecuteAsync("SET", "k", "v");

        Assert.Equal("v", await connection.ExecuteStringAsync("GET", "k"));
        Assert.Equal("v", await server.ExecuteAsync("GET", "k"));
        Assert.Equal(server.Port, proxy.TargetPort);
        Assert.NotEqual(server.Port, proxy.Port);
        Assert.Equal(1, proxy.Connections);
        Assert.True(proxy.BytesForwarded > 0);
    }

    [RedisFact]
    public async Task AStallHoldsOldAndNewConnectionsUntilForwardThenDeliversEveryByte()
    {
        await using var server = await RedisServer.StartAsync();
        await using var proxy = FaultProxy.Start(server.Port);
        await using var connection = await RespConnection.ConnectAsync(Through(server, proxy));
        await connection.ExecuteAsync("SET", "k", "v");

        proxy.Mode = FaultMode.Stall;
        var pending = connection.ExecuteStringAsync("GET", "k");
        // a connection made during the stall is accepted, and its handshake (CLIENT SETNAME) held like the rest
        var late = RespConnection.ConnectAsync(Through(server, proxy));
        await Task.Delay(1000);
        Assert.False(pending.IsCompleted, "a stalled proxy answered");
        Assert.False(late.IsCompleted, "a handshake went through a stalled proxy");
        Assert.Equal(2, proxy.Connections);
        // named so far: the first connection and the one that runs CLIENT LIST; the late one is connected but not named
        var clients = (await server.ExecuteAsync("CLIENT", "LIST")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal((3, 2), (clients.Length, clients.Count(c => c.Contains("name=dcopy", StringComparison.Ordinal))));

        proxy.Mode = FaultMode.Forward;
        Assert.Equal("v", await pending.WaitAsync(TimeSpan.FromSeconds(5)));
        await using var lateConnection = await late.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("PONG", await lateConnection.ExecuteStringAsync("PING"));
    }

    [RedisFact]
    public async Task ResetAllFailsTheClientsNextReadAndClosesBothSidesEvenDuringAStall()
    {
        await using var server = await RedisServer.StartAsync();
        await using var proxy = FaultProxy.Start(server.Port);
        await using (var connection = await RespConnection.ConnectAsync(Through(server, proxy)))
        {
            await connection.ExecuteAsync("PING");
            Assert.Equal(2, await ConnectedClientsAsync(server));
            proxy.ResetAll();
            await AssertResetAsync(connection.ExecuteAsync("PING"));
        }
        await WaitUntilAsync(async () => proxy.Connections == 0 && await ConnectedClientsAsync(server) == 1);

        // a stall holds bytes but does not shield from a reset: the held request is dropped with its connection
        await using var stalled = await RespConnection.ConnectAsync(Through(server, proxy));
        proxy.Mode = FaultMode.Stall;
        var pending = stalled.ExecuteAsync("PING");
        await WaitUntilAsync(async () => proxy.Connections == 1 && await ConnectedClientsAsync(server) == 2);
        proxy.ResetAll();
        await WaitUntilAsync(async () => proxy.Connections == 0 && await ConnectedClientsAsync(server) == 1);
        await AssertResetAsync(pending);
    }

    [RedisFact]
    public async Task RefuseFailsNewConnectionsWhileOpenOnesGoOn()
    {
        await using var server = await RedisServer.StartAsync();
        await using var proxy = FaultProxy.Start(server.Port);
        await using var open = await RespConnection.ConnectAsync(Through(server, proxy));

        proxy.Mode = FaultMode.Refuse;
        // a password makes the handshake read, which is where the reset shows
        await Assert.ThrowsAnyAsync<RespException>(() => RespConnection.ConnectAsync(Through(server, proxy) with { Password = "x" }));
        Assert.Equal("PONG", await open.ExecuteStringAsync("PING"));

        proxy.Mode = FaultMode.Forward;
        await using var again = await RespConnection.ConnectAsync(Through(server, proxy));
        Assert.Equal("PONG", await again.ExecuteStringAsync("PING"));
    }

    [RedisFact]
    public async Task ADelayOf50MsHoldsEachDirectionSoAPingTakesAtLeast100Ms()
    {
        await using var server = await RedisServer.StartAsync();
        await using var proxy = FaultProxy.Start(server.Port);
        proxy.Delay = TimeSpan.FromMilliseconds(50);
        await using var connection = await RespConnection.ConnectAsync(Through(server, proxy));

        var clock = Stopwatch.StartNew();
        Assert.Equal("PONG", await connection.ExecuteStringAsync("PING"));
        Assert.True(clock.ElapsedMilliseconds >= 100, $"a round trip took {clock.ElapsedMilliseconds} ms");
    }

    [RedisFact]
    public async Task DisposingAStalledProxyClosesItsConnectionsAndFreesItsPort()
    {
        await using var server = await RedisServer.StartAsync();
        var proxy = FaultProxy.Start(server.Port);
        await using var connection = await RespConnection.ConnectAsync(Through(server, proxy));
        proxy.Mode = FaultMode.Stall;
        var pending = connection.ExecuteAsync("PING");

        var clock = Stopwatch.StartNew();
        await proxy.DisposeAsync();
        // well under the 5 s that DisposeAsync grants a pipe that does not end
        Assert.True(clock.ElapsedMilliseconds < 3000, $"dispose took {clock.ElapsedMilliseconds} ms");
        Assert.Equal(0, proxy.Connections);
        await AssertResetAsync(pending);
        Assert.True(PortAllocator.IsFree(proxy.Port));
        await WaitUntilAsync(async () => await ConnectedClientsAsync(server) == 1);
    }

    [RedisFact]
    public async Task AStalledServerBecomesAConnectionErrorAtTheDeadlineInsteadOfAHang()
    {
        await using var server = await RedisServer.StartAsync();
        await using var proxy = FaultProxy.Start(server.Port);
        var through = Through(server, proxy) with { Timeout = TimeSpan.FromSeconds(1) };
        await using var connection = await RespConnection.ConnectAsync(through);

        proxy.Mode = FaultMode.Stall;
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RedisConnectException>(() => connection.ExecuteAsync("PING"));
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 3);
        Assert.Contains("within 1 s", error.Message, StringComparison.Ordinal);
        // the handshake of a new connection has the same deadline
        await Assert.ThrowsAsync<RedisConnectException>(() => RespConnection.ConnectAsync(through with { Password = "x" }));
    }

    [RedisFact]
    public async Task AProxiedClusterAnnouncesItsProxiesSoEveryClientConnectionGoesThroughThem()
    {
        var cluster = await RedisCluster.StartAsync(masters: 3, proxied: true);
        var proxyPorts = cluster.Proxies.Select(p => p.Port).ToList();
        try
        {
            Assert.Equal(cluster.Nodes.Count, cluster.Proxies.Count);
            Assert.Equal(cluster.Nodes.Select(n => n.Port), cluster.Proxies.Select(p => p.TargetPort));
            Assert.Equal(cluster.Proxies[0].Port, cluster.Endpoint.Port);
            await using (var connection = await RespConnection.ConnectAsync(cluster.Endpoint))
            {
                Assert.Contains("cluster_state:ok", await connection.ExecuteStringAsync("CLUSTER", "INFO"), StringComparison.Ordinal);
            }
            // Topology reads CLUSTER SHARDS on 7.0
            var topology = await Topology.ReadAsync(cluster.Endpoint);
            Assert.Equal(proxyPorts.Order(), topology.Shards.Select(s => s.Master.Port).Order());
            Assert.Equal(3, (await cluster.MastersAsync()).Count);

            // a cluster-aware client that starts at the first proxy follows the announcements to every other proxy
            await using var mux = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{cluster.Endpoint.Port}");
            var db = mux.GetDatabase();
            Assert.All(await Task.WhenAll(Enumerable.Range(0, 300).Select(i => db.StringSetAsync($"key:{i}", "v"))), Assert.True);
            Assert.All(mux.GetEndPoints(), e => Assert.Contains(e is System.Net.IPEndPoint ip ? ip.Port : -1, proxyPorts));
            Assert.All(cluster.Proxies, p => Assert.True(p.Connections > 0, $"nothing went through the proxy of port {p.TargetPort}"));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
        Assert.All(proxyPorts, port => Assert.True(PortAllocator.IsFree(port), $"proxy port {port} still bound"));
    }

    /// <summary>A reset, not a close: the client sees ECONNRESET (an orderly close would read as "closed by the server").</summary>
    private static async Task AssertResetAsync(Task<byte[]> request)
    {
        var error = await Assert.ThrowsAsync<IOException>(() => request);
        Assert.Equal(System.Net.Sockets.SocketError.ConnectionReset, Assert.IsType<System.Net.Sockets.SocketException>(error.InnerException).SocketErrorCode);
    }

    private static RedisEndpoint Through(RedisServer server, FaultProxy proxy) => server.Endpoint.WithAddress("127.0.0.1", proxy.Port);

    private static async Task<int> ConnectedClientsAsync(RedisServer server) =>
        int.Parse(Topology.ParseInfo(await server.ExecuteAsync("INFO", "clients"))["connected_clients"], System.Globalization.CultureInfo.InvariantCulture);

    private static Task WaitUntilAsync(Func<Task<bool>> condition) =>
        Eventually.HoldsAsync(condition, "the proxy's connections as expected", TimeSpan.FromSeconds(5), every: TimeSpan.FromMilliseconds(20));
}
