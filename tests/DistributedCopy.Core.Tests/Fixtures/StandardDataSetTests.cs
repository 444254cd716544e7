using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests.Fixtures;

public sealed class StandardDataSetTests
{
    [Fact]
    public void ScaleOneIsTheStandardSetOf1091000Keys()
    {
        var report = new StandardDataSet(1.0).Expected;
        Assert.Equal(1_091_000, report.Total);
        Assert.Equal(50_000, report.StringsWithTtl);
        Assert.Equal(1_000, report.Streams);
    }

    [RedisFact]
    public async Task LoadsEveryTypeIntoAClusterAndTheServersHoldExactlyWhatItReports()
    {
        await using var cluster = await RedisCluster.StartAsync(masters: 3);
        var dataSet = new StandardDataSet(0.1) { BinaryKeys = 300, HotSlotKeys = 500 };
        var report = await dataSet.LoadAsync(cluster.Endpoint);
        Assert.InRange(report.Total, 100_000, 120_000);

        var counts = await KeyCounter.CountByTypeAsync(cluster.Endpoint);
        Assert.Equal(report.ByType, counts);
        Assert.Equal(report.Total, await KeyCounter.DbSizeAsync(cluster.Endpoint));
        // every type has keys with an expiry: the TTL strings and every tenth hash, list, set, sorted set and stream
        await using (var oracle = await OracleDeployment.OpenAsync(cluster.Endpoint))
        {
            var (keys, persistent) = await oracle.SizeAsync();
            Assert.Equal(report.Expiring, keys - persistent);
            Assert.True(report.Expiring > report.StringsWithTtl);
        }

        var topology = await Topology.ReadAsync(cluster.Endpoint);
        var hotOwner = topology.Shards[topology.ShardFor(StandardDataSet.HotSlot)].Master;
        await using var hot = await Core.Resp.RespConnection.ConnectAsync(hotOwner);
        var inHotSlot = Core.Resp.RespFrame.Array(await hot.ExecuteAsync("CLUSTER", "GETKEYSINSLOT", StandardDataSet.HotSlot.ToString(System.Globalization.CultureInfo.InvariantCulture), "100000"));
        var hotKeys = 0;
        while (inHotSlot.MoveNext(out var key))
        {
            hotKeys += Core.Resp.RespFrame.String(key).Contains(StandardDataSet.HotTag, StringComparison.Ordinal) ? 1 : 0;
        }
        Assert.Equal(500, hotKeys);

        // TTLs and stream consumer groups are part of the data set, not just key counts.
        var ttlKey = System.Text.Encoding.ASCII.GetString(dataSet.Key("ttl", 7));
        await using var owner = await Core.Resp.RespConnection.ConnectAsync(topology.Shards[topology.ShardFor(HashSlot.Of(ttlKey))].Master);
        Assert.InRange(await owner.ExecuteIntegerAsync("PTTL", ttlKey), StandardDataSet.TtlMilliseconds - 60_000, StandardDataSet.TtlMilliseconds);
        var streamKey = System.Text.Encoding.ASCII.GetString(dataSet.Key("stream", 3));
        await using var streamOwner = await Core.Resp.RespConnection.ConnectAsync(topology.Shards[topology.ShardFor(HashSlot.Of(streamKey))].Master);
        Assert.Equal(StandardDataSet.StreamEntries, await streamOwner.ExecuteIntegerAsync("XLEN", streamKey));
        var pending = Core.Resp.RespFrame.Array(await streamOwner.ExecuteAsync("XPENDING", streamKey, "g1"));
        Assert.Equal(StandardDataSet.StreamPending, Core.Resp.RespFrame.Integer(pending.Next()));
    }
}
