using DistributedCopy.Core.Resp;
using DistributedCopy.Testing;
using StackExchange.Redis;

namespace DistributedCopy.Core.Tests.Fixtures;

public sealed class RedisClusterTests
{
    [RedisFact]
    public async Task ThreeMasterClusterAcceptsRoutedWritesAndLeavesNoProcessBehind()
    {
        var cluster = await RedisCluster.StartAsync(masters: 3);
        var pids = cluster.Nodes.Select(n => n.Pid).ToList();
        var ports = cluster.Nodes.Select(n => n.Port).ToList();
        try
        {
            await using var mux = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{cluster.Nodes[0].Port}");
            var db = mux.GetDatabase();
            var writes = Enumerable.Range(0, 3000).Select(i => db.StringSetAsync($"key:{i}", $"value:{i}"));
            Assert.All(await Task.WhenAll(writes), Assert.True);

            var perMaster = new List<long>();
            foreach (var master in await cluster.MastersAsync())
            {
                perMaster.Add(long.Parse(await master.ExecuteAsync("DBSIZE"), System.Globalization.CultureInfo.InvariantCulture));
            }
            Assert.Equal(3, perMaster.Count);
            Assert.All(perMaster, n => Assert.InRange(n, 800, 1200));
            Assert.Equal(3000, perMaster.Sum());
            Assert.Equal("value:2999", (string?)await db.StringGetAsync("key:2999"));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
        Assert.All(pids, pid => Assert.False(ProcessRegistry.IsRunning(pid), $"redis-server {pid} still runs"));
        Assert.All(ports, port => Assert.True(PortAllocator.IsFree(port), $"port {port} still bound"));
    }

    [RedisFact]
    public async Task ClusterWithReplicasAndPasswordHasThreeMastersEachWithAReplica()
    {
        await using var cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1, new RedisServerOptions { Password = "s3cret-cluster" });
        var topology = await Topology.ReadAsync(cluster.Endpoint);
        Assert.True(topology.IsCluster);
        Assert.Equal(3, topology.Shards.Count);
        Assert.Equal(HashSlot.Count, topology.Shards.Sum(s => s.Slots.Sum(r => r.Count)));
        Assert.Equal(6, cluster.Nodes.Count);
        await Assert.ThrowsAsync<RedisAuthException>(() => RespConnection.ConnectAsync(cluster.Endpoint with { Password = "wrong" }));
    }

    [RedisFact]
    public async Task TlsServerWithAclUserAcceptsTheUserAndRefusesBadCredentialsAndUntrustedCertificates()
    {
        await using var server = await RedisServer.StartAsync(new RedisServerOptions { Tls = true, AclUser = "copier", AclPassword = "acl-pass-1" });
        await using (var connection = await server.ConnectAsync())
        {
            Assert.Equal("copier", await connection.ExecuteStringAsync("ACL", "WHOAMI"));
        }
        await Assert.ThrowsAsync<RedisAuthException>(() => RespConnection.ConnectAsync(server.Endpoint with { Password = "nope" }));
        var untrusted = await Assert.ThrowsAsync<RedisTlsException>(() => RespConnection.ConnectAsync(server.Endpoint with { CaCertificatePath = null }));
        Assert.DoesNotContain("acl-pass-1", untrusted.Message, StringComparison.Ordinal);
        await using var skipped = await RespConnection.ConnectAsync(server.Endpoint with { CaCertificatePath = null, SkipCertificateValidation = true });
        Assert.Equal("PONG", await skipped.ExecuteStringAsync("PING"));
    }
}
