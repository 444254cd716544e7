using System.Diagnostics;
using DistributedCopy.Core.Resp;
using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests.Fixtures;

public sealed class FaultProxyTests
{
    [RedisFact]
    public async Task AProxyForwardsStallsHoldingTheBytesResetsRefusesAndDelays()
    {
        await using var server = await RedisServer.StartAsync();
        await using var proxy = FaultProxy.Start(server.Port);
        var through = server.Endpoint.WithAddress("127.0.0.1", proxy.Port) with { Timeout = TimeSpan.FromSeconds(30) };
        await using var connection = await RespConnection.ConnectAsync(through);
        await connection.ExecuteAsync("SET", "k", "v");

        // stall: no answer while stalled, the answer once bytes flow again
        proxy.Mode = FaultMode.Stall;
        var pending = connection.ExecuteStringAsync("GET", "k");
        Assert.False(await Task.WhenAny(pending, Task.Delay(1000)) == pending, "a stalled proxy answered");
        proxy.Mode = FaultMode.Forward;
        Assert.Equal("v", await pending.WaitAsync(TimeSpan.FromSeconds(5)));

        // reset: the open connection fails
        proxy.ResetAll();
        await Assert.ThrowsAnyAsync<Exception>(() => connection.ExecuteAsync("PING"));

        // refuse: a new connection fails, and works again afterwards
        proxy.Mode = FaultMode.Refuse;
        await Assert.ThrowsAnyAsync<RespException>(() => RespConnection.ConnectAsync(through));
        proxy.Mode = FaultMode.Forward;

        // delay: each direction waits
        proxy.Delay = TimeSpan.FromMilliseconds(50);
        await using var slow = await RespConnection.ConnectAsync(through);
        var clock = Stopwatch.StartNew();
        await slow.ExecuteAsync("PING");
        Assert.True(clock.ElapsedMilliseconds >= 100, $"a round trip took {clock.ElapsedMilliseconds} ms");
        Assert.True(proxy.BytesForwarded > 0);
    }

    [RedisFact]
    public async Task AStalledServerBecomesAConnectionErrorAtTheDeadlineInsteadOfAHang()
    {
        await using var server = await RedisServer.StartAsync();
        await using var proxy = FaultProxy.Start(server.Port);
        var through = server.Endpoint.WithAddress("127.0.0.1", proxy.Port) with { Timeout = TimeSpan.FromSeconds(1) };
        await using var connection = await RespConnection.ConnectAsync(through);

        proxy.Mode = FaultMode.Stall;
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RedisConnectException>(() => connection.ExecuteAsync("PING"));
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.9, 3);
        Assert.Contains("within 1 s", error.Message, StringComparison.Ordinal);
        // the handshake of a new connection has the same deadline
        await Assert.ThrowsAsync<RedisConnectException>(() => RespConnection.ConnectAsync(through with { Password = "x" }));
    }
}
