using DistributedCopy.Core.Resp;
using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

public sealed class CopyEngineTests
{
    private static readonly StandardDataSet _data = new(0.02) { BinaryKeys = 300 };

    [RedisFact]
    public async Task ClusterToClusterOfDifferentShardCountsCopiesEveryKeyWithItsValueAndTtl()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 5);
        var report = await _data.LoadAsync(source.Endpoint);

        var completed = new HashSet<int>();
        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions());
        await engine.CopySlotsAsync([new SlotRange(0, HashSlot.Count - 1)], slot => { lock (completed) { completed.Add(slot); } });

        Assert.Equal(report.Total, engine.Progress.KeysCopied);
        Assert.Equal(0, engine.Progress.KeysVanished);
        Assert.Equal(HashSlot.Count, completed.Count);
        Assert.Equal(HashSlot.Count, engine.Progress.SlotsCompleted);
        Assert.Equal(report.ByType, await KeyCounter.CountByTypeAsync(target.Endpoint));
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.True(comparison.TypedCompared >= 6 * 10, comparison.ToString());
    }

    [RedisFact]
    public async Task StandaloneToClusterAndClusterToStandaloneCopyEveryKey()
    {
        await using var standalone = await RedisServer.StartAsync();
        await using var cluster = await RedisCluster.StartAsync(masters: 3);
        await using var back = await RedisServer.StartAsync();
        var report = await _data.LoadAsync(standalone.Endpoint);

        var cursors = new List<string>();
        await using (var engine = await CopyEngine.OpenAsync(standalone.Endpoint, cluster.Endpoint, new CopyOptions()))
        {
            await engine.CopyDatabaseAsync(0, "0", c => { lock (cursors) { cursors.Add(c); } });
            Assert.Equal(report.Total, engine.Progress.KeysCopied);
        }
        Assert.Equal(ScanPosition.End, cursors[^1]);
        var toCluster = await DataComparer.CompareAsync(standalone.Endpoint, cluster.Endpoint);
        Assert.True(toCluster.Identical, toCluster.ToString());

        await using (var engine = await CopyEngine.OpenAsync(cluster.Endpoint, back.Endpoint, new CopyOptions()))
        {
            await engine.CopyAllAsync();
            Assert.Equal(report.Total, engine.Progress.KeysCopied);
        }
        var toStandalone = await DataComparer.CompareAsync(cluster.Endpoint, back.Endpoint);
        Assert.True(toStandalone.Identical, toStandalone.ToString());
    }

    [RedisFact]
    public async Task StandaloneToStandaloneCopiesEachDatabaseIntoTheSameDatabase()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        var small = new StandardDataSet(0.005);
        var db0 = await small.LoadAsync(source.Endpoint);
        var db3 = await new StandardDataSet(0.002) { Prefix = "three:" }.LoadAsync(source.Endpoint with { Database = 3 });

        await using (var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions()))
        {
            Assert.Equal([0, 3], await engine.SourceDatabasesAsync());
            await engine.CopyAllAsync();
            Assert.Equal(db0.Total + db3.Total, engine.Progress.KeysCopied);
        }
        Assert.Equal(db0.ByType, await KeyCounter.CountByTypeAsync(target.Endpoint));
        Assert.Equal(db3.ByType, await KeyCounter.CountByTypeAsync(target.Endpoint with { Database = 3 }));
        var compared = await DataComparer.CompareAsync(source.Endpoint with { Database = 3 }, target.Endpoint with { Database = 3 });
        Assert.True(compared.Identical, compared.ToString());
    }
}
