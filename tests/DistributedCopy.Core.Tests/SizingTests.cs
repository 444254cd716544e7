using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

/// <summary>
/// Sizing keys before DUMP (the big-key guarantee: no key above the big-key size is DUMPed) costs a MEMORY USAGE a key,
/// except on a node whose data takes less memory than the size: no key there can be that big, so its memory is read instead
/// (INFO memory, once a batch). Counted by the source's own INFO commandstats; each copy compared with the source.
/// </summary>
public sealed class SizingTests
{
    [RedisFact]
    public async Task KeysOfANodeWhoseDataIsSmallerThanTheBigKeySizeAreNotSizedOneByOneAndCopyIdentical()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        var report = await new StandardDataSet(0.002).LoadAsync(source.Endpoint);
        // a size between the node's data (keys and values) and all the memory it uses (its tables, buffers, start-up): the
        // node's memory is above the size, yet none of its keys can be as big
        var info = await source.ExecuteAsync("INFO", "memory");
        var (data, used) = (InfoField(info, "used_memory_dataset"), InfoField(info, "used_memory"));
        Assert.True(used > data + 64 + 2, info);
        var options = new CopyOptions { BatchSize = 100, PipelinesPerShard = 4, BigKeyBytes = (data + 64 + used) / 2 };

        long probes;
        await using (var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, options))
        {
            // opening probes what the servers take (MEMORY USAGE among them): counted from here
            probes = await source.CallsAsync("memory|usage");
            await engine.CopyAllAsync();
        }

        // each pipeline sizes its first batch, before its first reading of the node's memory; none after
        var sized = await source.CallsAsync("memory|usage") - probes;
        Assert.InRange(sized, 1, options.PipelinesPerShard * options.BatchSize);
        Assert.True(await source.CallsAsync("info") >= report.Total / options.BatchSize, "the node's memory was not read once a batch");
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.Equal(report.Total, comparison.SourceKeys);
    }

    private static long InfoField(string info, string name) =>
        long.Parse(info.Split("\r\n").Single(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    [RedisFact]
    public async Task ANodeUsingMoreMemoryThanTheBigKeySizeHasEveryKeySizedAndItsBigKeyCopiedInChunks()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await BigKeys.StringAsync(source.Endpoint, "big:string", 3);
        var report = await new StandardDataSet(0.001).LoadAsync(source.Endpoint);

        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { BatchSize = 100, BigKeyBytes = 1024 * 1024, ChunkBytes = 256 * 1024 });
        var (sizedBefore, dumpedBefore) = (await source.CallsAsync("memory|usage"), await source.CallsAsync("dump"));
        await engine.CopyAllAsync();

        Assert.Equal(1, engine.Progress.KeysChunked);
        // every key sized, and the big one never DUMPed
        Assert.Equal(report.Total + 1, await source.CallsAsync("memory|usage") - sizedBefore);
        Assert.Equal(report.Total, await source.CallsAsync("dump") - dumpedBefore);
        Assert.Equal(await BigKeys.DigestAsync(source.Endpoint, "big:string"), await BigKeys.DigestAsync(target.Endpoint, "big:string"));
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
    }
}
