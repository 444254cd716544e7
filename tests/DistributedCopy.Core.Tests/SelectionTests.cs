using System.Text;
using DistributedCopy.Testing;
using StackExchange.Redis;

namespace DistributedCopy.Core.Tests;

/// <summary>Filters, renames and database maps on real servers, each copy followed by a verify with the same rules and an independent look at the target.</summary>
public sealed class SelectionTests
{
    private static readonly KeySelection _rules = KeySelection.Parse(["app1:*", "bin*"], ["app1:tmp:*"], ["^app1:(.*)$=moved:$1", "^bin\\x00=bin-"], []);

    [RedisFact]
    public async Task FilteredAndRenamedKeysLandUnderTheirNewNamesInTheirNewSlotsAndVerifyAgrees()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(source.Endpoint)))
        {
            var db = mux.GetDatabase();
            for (var i = 0; i < 200; i++)
            {
                await db.StringSetAsync($"app1:{i}", $"v{i}");
                if (i % 2 == 0)
                {
                    await db.KeyExpireAsync($"app1:{i}", TimeSpan.FromMinutes(10));
                }
            }
            for (var i = 0; i < 20; i++)
            {
                await db.HashSetAsync($"app1:h:{i}", [new HashEntry("f", i), new HashEntry("g", "x")]);
            }
            for (var i = 0; i < 50; i++)
            {
                await db.StringSetAsync($"app1:tmp:{i}", "scratch");
            }
            for (var i = 0; i < 100; i++)
            {
                await db.StringSetAsync($"app2:{i}", "other");
            }
            for (byte i = 0; i < 10; i++)
            {
                await db.StringSetAsync(new byte[] { (byte)'b', (byte)'i', (byte)'n', 0, 0xff, i }, new byte[] { 0, i, 0xfe });
            }
        }
        var options = new CopyOptions { Selection = _rules };

        await using (var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, options))
        {
            await engine.CopyAllAsync();
            Assert.Equal(230, engine.Progress.KeysCopied);
            Assert.Equal(150, engine.Progress.KeysExcluded);
        }

        await using (var mux = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(target.Endpoint)))
        {
            var db = mux.GetDatabase();
            Assert.Equal(230, await KeyCounter.DbSizeAsync(target.Endpoint));
            for (var i = 0; i < 200; i += 7)
            {
                Assert.Equal($"v{i}", (string?)await db.StringGetAsync($"moved:{i}"));
                Assert.False(await db.KeyExistsAsync($"app1:{i}"));
                var ttl = await db.KeyTimeToLiveAsync($"moved:{i}");
                Assert.True(i % 2 == 0 ? ttl > TimeSpan.FromMinutes(9) : ttl is null, $"moved:{i} ttl {ttl}");
            }
            Assert.Equal("5", (string?)await db.HashGetAsync("moved:h:5", "f"));
            Assert.Equal(new byte[] { 0, 3, 0xfe }, (byte[]?)await db.StringGetAsync(new byte[] { (byte)'b', (byte)'i', (byte)'n', (byte)'-', 0xff, 3 }));
            Assert.False(await db.KeyExistsAsync("app1:tmp:1"));
            Assert.False(await db.KeyExistsAsync("app2:1"));
        }

        await using (var verifier = await Verifier.OpenAsync(source.Endpoint, target.Endpoint, options, ttlToleranceMs: 2000))
        {
            await verifier.VerifyAllAsync();
            Assert.Equal(230, verifier.Result.Compared);
            Assert.Equal(0, verifier.Result.Differences);
            Assert.Contains(verifier.Progress.TakeNotes(), n => n.Contains("extra) were not looked for: --rename", StringComparison.Ordinal));
        }
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(target.Endpoint)))
        {
            await mux.GetDatabase().StringSetAsync("moved:5", "changed");
            await mux.GetDatabase().KeyDeleteAsync("moved:h:6");
        }
        await using (var verifier = await Verifier.OpenAsync(source.Endpoint, target.Endpoint, options, ttlToleranceMs: 2000))
        {
            await verifier.VerifyAllAsync();
            Assert.Equal((1, 1), (verifier.Result.ValueMismatch, verifier.Result.Missing));
        }
    }

    [RedisFact]
    public async Task DatabasesMappedIntoOneClusterFollowThePolicyOnAKeyInBoth()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisCluster.StartAsync(masters: 3);
        foreach (var (database, keys) in new[] { (1, new[] { "a", "shared" }), (2, new[] { "b", "shared" }) })
        {
            await using var connection = await RespConnection.ConnectAsync(source.Endpoint with { Database = database });
            foreach (var key in keys)
            {
                await connection.ExecuteAsync("SET", key, $"from-{database}");
            }
        }
        var options = new CopyOptions { Policy = OverwritePolicy.SkipExisting, Selection = KeySelection.Parse([], [], [], ["1=0,2=0"]) };

        await using (var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, options))
        {
            await engine.CopyAllAsync();
            Assert.Equal((3, 1), (engine.Progress.KeysCopied, engine.Progress.KeysSkipped));
        }

        await using var mux = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(target.Endpoint));
        var db = mux.GetDatabase();
        Assert.Equal(3, await KeyCounter.DbSizeAsync(target.Endpoint));
        Assert.Equal(("from-1", "from-2"), ((string?)await db.StringGetAsync("a"), (string?)await db.StringGetAsync("b")));
        Assert.StartsWith("from-", (string?)await db.StringGetAsync("shared"), StringComparison.Ordinal);
    }

    [RedisFact]
    public async Task TwoKeysRenamedToOneStopTheCopyNamingBoth()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await source.ExecuteAsync("MSET", "x", "1", "y", "2");
        var options = new CopyOptions { Selection = KeySelection.Parse([], [], ["^(x|y)$=z"], []) };

        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, options);
        var error = await Assert.ThrowsAsync<CopyException>(() => engine.CopyAllAsync());

        Assert.Matches("keys (x and y|y and x) are both renamed to z", error.Message);
    }

    [RedisFact]
    public async Task ATypeFilterCopiesOnlyThoseTypesAndVerifyComparesOnlyThem()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisServer.StartAsync();
        var report = await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        var options = new CopyOptions { Selection = KeySelection.Parse([], [], [], [], types: ["hash", "zset"]) };
        var taken = report.ByType.Where(t => t.Key is "hash" or "zset").Sum(t => t.Value);

        await using (var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, options))
        {
            await engine.CopyAllAsync();
            Assert.Equal((taken, report.Total - taken), (engine.Progress.KeysCopied, engine.Progress.KeysExcluded));
        }

        var onTarget = await KeyCounter.CountByTypeAsync(target.Endpoint);
        Assert.Equal(report.ByType.Where(t => t.Key is "hash" or "zset").OrderBy(t => t.Key), onTarget.Where(t => t.Value > 0).OrderBy(t => t.Key));
        await using var verifier = await Verifier.OpenAsync(source.Endpoint, target.Endpoint, options, ttlToleranceMs: 2000);
        await verifier.VerifyAllAsync();
        Assert.Equal((taken, 0L), (verifier.Result.Compared, verifier.Result.Differences));
    }
}
