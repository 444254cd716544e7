using System.Text;
using DistributedCopy.Core.Pipelines;
using DistributedCopy.Core.Resilience;

namespace DistributedCopy.Core.Tests.Unit;

/// <summary>
/// The replies a cluster gives about its shape (CLUSTER SHARDS, CLUSTER SLOTS), written out as a server sends them, and the
/// error replies the engine retries or not: what the copy's routing and its retries rest on, without a server.
/// </summary>
public sealed class TopologyParseUnitTests
{
    private static readonly RedisEndpoint Seed = new("10.0.0.1", 7000);

    [Fact]
    public void ClusterShardsGivesEachShardItsLiveMasterSlotsAndReplicas()
    {
        var reply = Array(
            Shard([0, 5460, 10923, 12000], Node("a1", "10.0.0.2", 7001, "master", "online"), Node("a2", "10.0.0.3", 7002, "replica", "loading")),
            Shard([5461, 10922], Node("b1", "?", 7003, "master", "online"), Node("b2", "10.0.0.5", 7004, "replica", "fail")),
            // a failed master: its slots are served by nobody until a replica takes over
            Shard([12001, 16383], Node("c1", "10.0.0.6", 7005, "master", "fail")));

        var shards = Topology.ParseShards(reply, Seed);

        Assert.Equal(2, shards.Count);
        Assert.Equal(("10.0.0.2:7001", "a1", 1), (shards[0].Master.Address, shards[0].NodeId, shards[0].Replicas));
        Assert.Equal([new SlotRange(0, 5460), new SlotRange(10923, 12000)], shards[0].Slots);
        // "?" is the address the node does not know of itself: the seed's host
        Assert.Equal(("10.0.0.1:7003", 0), (shards[1].Master.Address, shards[1].Replicas));
    }

    [Fact]
    public void ClusterShardsOverTlsUsesTheTlsPort()
    {
        var reply = Array(Shard([0, 16383], Node("a1", "10.0.0.2", 7001, "master", "online", tlsPort: 8001)));
        var shards = Topology.ParseShards(reply, Seed with { UseTls = true });
        Assert.Equal("10.0.0.2:8001", shards[0].Master.Address);
        Assert.Equal("10.0.0.2:7001", Topology.ParseShards(reply, Seed)[0].Master.Address);
    }

    [Fact]
    public void ClusterSlotsGroupsRangesByNodeAndCountsReplicas()
    {
        var reply = Array(
            Array(Int(0), Int(5460), Array(Bulk("10.0.0.2"), Int(7001), Bulk("a1")), Array(Bulk("10.0.0.3"), Int(7002), Bulk("a2"))),
            Array(Int(5461), Int(16383), Array(Bulk(""), Int(7003), Bulk("b1"))),
            Array(Int(16000), Int(16100), Array(Bulk("10.0.0.2"), Int(7001), Bulk("a1")), Array(Bulk("10.0.0.3"), Int(7002), Bulk("a2"))));

        var shards = Topology.ParseSlots(reply, Seed).OrderBy(s => s.NodeId).ToList();

        Assert.Equal(("10.0.0.2:7001", 1), (shards[0].Master.Address, shards[0].Replicas));
        Assert.Equal([new SlotRange(0, 5460), new SlotRange(16000, 16100)], shards[0].Slots);
        // an empty host is the seed's
        Assert.Equal("10.0.0.1:7003", shards[1].Master.Address);
    }

    [Theory]
    [InlineData("MOVED 3999 10.0.0.2:7001", true)]
    [InlineData("ASK 3999 10.0.0.2:7001", true)]
    [InlineData("LOADING Redis is loading the dataset in memory", true)]
    [InlineData("TRYAGAIN Multiple keys request during rehashing of slot", true)]
    [InlineData("CLUSTERDOWN The cluster is down", true)]
    [InlineData("MASTERDOWN Link with MASTER is down", true)]
    [InlineData("READONLY You can't write against a read only replica.", true)]
    [InlineData("OOM command not allowed when used memory > 'maxmemory'.", false)]
    [InlineData("BUSYKEY Target key name already exists.", false)]
    [InlineData("NOPERM this user has no permissions to run the 'restore' command", false)]
    [InlineData("ERR unknown command 'FOO'", false)]
    public void AServerErrorIsRetriedOnlyWhenItIsTransient(string error, bool transient)
    {
        Assert.Equal(transient, ServerErrors.IsTransient(error));
        Assert.Equal(transient, Retry.IsTransient(new RedisErrorException(error), CancellationToken.None));
    }

    [Fact]
    public void ARedirectIsATopologyChangeAndEverythingElseTheServersError()
    {
        Assert.IsType<TopologyChangedException>(ServerErrors.Classify("MOVED 1 10.0.0.2:7001", "target"));
        Assert.IsType<RedisErrorException>(ServerErrors.Classify("OOM command not allowed", "target"));
        Assert.True(ServerErrors.IsRestoreRefusal("ERR DUMP payload version or checksum are wrong"));
        Assert.False(ServerErrors.IsRestoreRefusal("BUSYKEY Target key name already exists."));
    }

    [Fact]
    public void ALostConnectionIsRetriedUnlessTheWorkIsCancelled()
    {
        Assert.True(Retry.IsTransient(new RedisConnectException("connection reset"), CancellationToken.None));
        Assert.True(Retry.IsTransient(new IOException("broken pipe"), CancellationToken.None));
        Assert.False(Retry.IsTransient(new RedisConnectException("connection reset"), new CancellationToken(canceled: true)));
        Assert.False(Retry.IsTransient(new CopyException("refused"), CancellationToken.None));
    }

    private static byte[] Shard(int[] slots, params byte[][] nodes) =>
        Array(Bulk("slots"), Array([.. slots.Select(s => Int(s))]), Bulk("nodes"), Array(nodes));

    private static byte[] Node(string id, string ip, int port, string role, string health, int? tlsPort = null) =>
        Array([Bulk("id"), Bulk(id), Bulk("port"), Int(port), .. tlsPort is { } tls ? new[] { Bulk("tls-port"), Int(tls) } : [], Bulk("ip"), Bulk(ip),
            Bulk("endpoint"), Bulk(ip), Bulk("role"), Bulk(role), Bulk("replication-offset"), Int(42), Bulk("health"), Bulk(health)]);

    private static byte[] Array(params byte[][] items) => [.. Encoding.ASCII.GetBytes($"*{items.Length}\r\n"), .. items.SelectMany(i => i)];

    private static byte[] Bulk(string text) => Encoding.ASCII.GetBytes($"${Encoding.UTF8.GetByteCount(text)}\r\n{text}\r\n");

    private static byte[] Int(long value) => Encoding.ASCII.GetBytes($":{value}\r\n");
}
