using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

/// <summary>
/// Big keys, copied in chunks under a temporary name and renamed when complete: each compared with the source by a digest
/// of its value read a chunk at a time on both sides (and its TTL), with no temporary key left behind.
/// </summary>
public sealed class BigKeyTests
{
    [RedisFact]
    public async Task BigKeysAtCiSizeAreCopiedInChunksAndEqualTheSource()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await BigKeys.ListAsync(source.Endpoint, "big:list", 200_000, 1000);       // 200 MB
        await BigKeys.StringAsync(source.Endpoint, "big:string", 100);             // 100 MB
        await BigKeys.HashAsync(source.Endpoint, "big:hash", 1_000_000);
        await BigKeys.SortedSetAsync(source.Endpoint, "big:zset", 500_000);
        await BigKeys.SetAsync(source.Endpoint, "big:set", 300_000);
        await BigKeys.StreamAsync(source.Endpoint, "big:stream", 60_000, pending: 2500);
        await source.ExecuteAsync("PEXPIRE", "big:list", "3600000");
        await source.ExecuteAsync("PEXPIRE", "big:hash", "7200000");
        await new StandardDataSet(0.002).LoadAsync(source.Endpoint);
        var keys = new[] { "big:list", "big:string", "big:hash", "big:zset", "big:set", "big:stream" };

        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { BigKeyBytes = 8 * 1024 * 1024 });
        await engine.CopyAllAsync();

        Assert.Equal(keys.Length, engine.Progress.KeysChunked);
        // the small keys went by RESTORE as before
        Assert.Equal(keys.Length, engine.Progress.KeysTyped);
        foreach (var key in keys)
        {
            Assert.Equal(await BigKeys.DigestAsync(source.Endpoint, key), await BigKeys.DigestAsync(target.Endpoint, key));
        }
        await AssertTtlNearAsync(source, target, "big:list");
        await AssertTtlNearAsync(source, target, "big:hash");
        Assert.Equal(await KeyCounter.DbSizeAsync(source.Endpoint), await KeyCounter.DbSizeAsync(target.Endpoint));
        Assert.Equal("", await target.ExecuteAsync("EVAL", "return table.concat(redis.call('KEYS', 'dcopy:*'), ' ')", "0"));
    }

    [RedisFact]
    public async Task BigKeysMoveBetweenClustersOfOtherShapesThroughTemporaryKeysInTheirOwnSlots()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 2);
        var keys = new[] { "{user:1}:events", "plain-big-hash", "{user:2}:scores", "big-set" };
        await BigKeys.ListAsync(source.Endpoint, keys[0], 20_000, 500);
        await BigKeys.HashAsync(source.Endpoint, keys[1], 60_000);
        await BigKeys.SortedSetAsync(source.Endpoint, keys[2], 40_000);
        await BigKeys.SetAsync(source.Endpoint, keys[3], 50_000);
        var report = await new StandardDataSet(0.005).LoadAsync(source.Endpoint);

        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { BigKeyBytes = 1024 * 1024, ChunkBytes = 64 * 1024 });
        await engine.CopyAllAsync();

        Assert.Equal(keys.Length, engine.Progress.KeysChunked);
        Assert.Equal(report.Total + keys.Length, engine.Progress.KeysCopied);
        foreach (var key in keys)
        {
            Assert.Equal(await BigKeys.DigestAsync(source.Endpoint, key), await BigKeys.DigestAsync(target.Endpoint, key));
        }
        Assert.Equal(report.Total + keys.Length, await KeyCounter.DbSizeAsync(target.Endpoint));
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    [RedisTheory]
    [InlineData(OverwritePolicy.SkipExisting)]
    [InlineData(OverwritePolicy.FailOnExisting)]
    public async Task ABigKeyTheTargetHasIsLeftAloneUnderSkipAndStopsTheCopyUnderFail(OverwritePolicy policy)
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await BigKeys.ListAsync(source.Endpoint, "big:list", 5000, 1000);
        await BigKeys.ListAsync(source.Endpoint, "big:other", 5000, 1000);
        await target.ExecuteAsync("SET", "big:list", "the target's own");

        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { Policy = policy, BigKeyBytes = 1024 * 1024 });
        if (policy == OverwritePolicy.FailOnExisting)
        {
            var error = await Assert.ThrowsAnyAsync<TargetKeyExistsException>(() => engine.CopyAllAsync());
            Assert.Contains("big:list", error.Message, StringComparison.Ordinal);
        }
        else
        {
            await engine.CopyAllAsync();
            Assert.Equal(1, engine.Progress.KeysSkipped);
            Assert.Equal(await BigKeys.DigestAsync(source.Endpoint, "big:other"), await BigKeys.DigestAsync(target.Endpoint, "big:other"));
        }
        Assert.Equal("the target's own", await target.ExecuteAsync("GET", "big:list"));
        Assert.Equal("", await target.ExecuteAsync("EVAL", "return table.concat(redis.call('KEYS', 'dcopy:*'), ' ')", "0"));
    }

    [RedisFact]
    public async Task VerifyComparesBigKeysChunkByChunkAndFindsEachKindOfChange()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await BigKeys.ListAsync(source.Endpoint, "l", 5000, 1000);
        await BigKeys.HashAsync(source.Endpoint, "h", 100_000);
        await BigKeys.SortedSetAsync(source.Endpoint, "z", 60_000);
        await BigKeys.SetAsync(source.Endpoint, "s", 100_000);
        await BigKeys.StringAsync(source.Endpoint, "str", 3);
        var options = new CopyOptions { BigKeyBytes = 1024 * 1024 };
        await using (var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, options))
        {
            await engine.CopyAllAsync();
            Assert.Equal(5, engine.Progress.KeysChunked);
        }
        await using (var clean = await Verifier.OpenAsync(source.Endpoint, target.Endpoint, options, ttlToleranceMs: 2000))
        {
            await clean.VerifyAllAsync();
            Assert.Equal(5, clean.Result.Compared);
            Assert.Equal(0, clean.Result.Differences);
        }

        await target.ExecuteAsync("LSET", "l", "4321", "changed");
        await target.ExecuteAsync("HSET", "h", "field:77", "changed");
        await target.ExecuteAsync("ZADD", "z", "12.5", "member:5");
        await target.ExecuteAsync("SREM", "s", "member:9");
        await target.ExecuteAsync("SADD", "s", "member:x");
        await target.ExecuteAsync("SETRANGE", "str", "2500000", "x");
        await using var verify = await Verifier.OpenAsync(source.Endpoint, target.Endpoint, options, ttlToleranceMs: 2000);
        await verify.VerifyAllAsync();
        Assert.Equal(5, verify.Result.ValueMismatch);
        Assert.Equal(5, verify.Result.Differences);
    }

    private static async Task AssertTtlNearAsync(RedisServer source, RedisServer target, string key)
    {
        var left = long.Parse(await source.ExecuteAsync("PTTL", key), System.Globalization.CultureInfo.InvariantCulture);
        var right = long.Parse(await target.ExecuteAsync("PTTL", key), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(right, left - 10_000, left);
    }
}
