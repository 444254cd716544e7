using System.Text;
using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

/// <summary>Keys that are not plain: already on the target (each policy), deleted on the way, in a huge slot, of a newer RDB version.</summary>
public sealed class KeyEdgeCaseTests
{
    [RedisFact]
    public async Task EachPolicyTreatsKeysAlreadyOnTheTargetAsItSays()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var data = new StandardDataSet(0.005);
        var report = await data.LoadAsync(source.Endpoint);
        var existing = Enumerable.Range(0, 20).Select(i => Encoding.ASCII.GetString(data.Key("string", i))).ToList();
        await SetOnTargetAsync(target, existing, "kept-by-target");

        await using (var skip = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { Policy = OverwritePolicy.SkipExisting }))
        {
            await skip.CopyAllAsync();
            Assert.Equal(20, skip.Progress.KeysSkipped);
            Assert.Equal(report.Total - 20, skip.Progress.KeysCopied);
        }
        Assert.Equal("kept-by-target", await GetAsync(target, existing[7]));

        await using (var fail = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { Policy = OverwritePolicy.FailOnExisting }))
        {
            var error = await Assert.ThrowsAsync<TargetKeyExistsException>(() => fail.CopyAllAsync());
            Assert.Contains("already exists on the target", error.Message, StringComparison.Ordinal);
        }
        Assert.Equal("kept-by-target", await GetAsync(target, existing[7]));

        await using (var replace = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { Policy = OverwritePolicy.Replace }))
        {
            await replace.CopyAllAsync();
            Assert.Equal(report.Total, replace.Progress.KeysCopied);
        }
        Assert.Equal(Encoding.ASCII.GetString(StandardDataSet.StringValue(7)), await GetAsync(target, existing[7]));
        var compared = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(compared.Identical, compared.ToString());
    }

    [RedisTheory]
    [InlineData(CopyMode.Auto)]
    [InlineData(CopyMode.Typed)]
    public async Task KeysDeletedBetweenEnumerationAndDumpAreCountedAsVanished(CopyMode mode)
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        var deleted = new List<byte[]>();
        var options = new CopyOptions
        {
            Mode = mode,
            BeforeReadHook = async keys =>
            {
                // the first few keys of every batch disappear after they were listed and before they are read
                var victims = keys.Take(3).ToList();
                foreach (var key in victims)
                {
                    await DeleteAsync(source, key);
                }
                lock (deleted)
                {
                    deleted.AddRange(victims);
                }
            },
        };
        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, options);
        await engine.CopyAllAsync();

        Assert.True(deleted.Count > 0);
        Assert.Equal(deleted.Count, engine.Progress.KeysVanished);
        Assert.Equal(report.Total - deleted.Count, engine.Progress.KeysCopied);
        Assert.Equal(report.Total - deleted.Count, await KeyCounter.DbSizeAsync(target.Endpoint));
        var compared = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(compared.Identical, compared.ToString());
    }

    [RedisFact]
    public async Task ALargeSlotIsCopiedWholeWithoutOneHugeGetKeysInSlot()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.002) { HotSlotKeys = 20_000 }.LoadAsync(source.Endpoint);
        var topology = await Topology.ReadAsync(source.Endpoint);
        var owner = topology.Shards[topology.ShardFor(StandardDataSet.HotSlot)].Master;

        // Watch every command the hot slot's owner receives while the copy runs.
        await using var monitor = await RespConnection.ConnectAsync(owner);
        await monitor.ExecuteAsync("MONITOR");
        var largestRequest = 0L;
        using var stop = new CancellationTokenSource();
        var watching = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await monitor.ReadFrameAsync(stop.Token);
                    var line = RespFrame.String(monitor.Frame);
                    if (line.Contains("\"GETKEYSINSLOT\"", StringComparison.OrdinalIgnoreCase))
                    {
                        var parts = line.Split('"');
                        largestRequest = Math.Max(largestRequest, long.Parse(parts[^2], System.Globalization.CultureInfo.InvariantCulture));
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions());
        await engine.CopyAllAsync();
        await Task.Delay(300);
        await stop.CancelAsync();
        await watching;

        Assert.InRange(largestRequest, 1, 5000 + 64);
        Assert.Equal(report.Total, engine.Progress.KeysCopied);
        var compared = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 5);
        Assert.True(compared.Identical, compared.ToString());
    }

    [RedisFact]
    public async Task KeysAddedToASlotBetweenItsCountAndItsListingAreAllCopied()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.002).LoadAsync(source.Endpoint);
        var slot = HashSlot.Of("{burst}"u8);
        for (var i = 0; i < 100; i++)
        {
            await source.ExecuteOnOwnerAsync("SET", $"{{burst}}:old:{i}", "old");
        }
        var fired = 0;
        // 200 keys arrive in the slot after it was counted (100) and before it is listed: a reply capped at 100 + 64 keys
        // (Redis lists the newest first) would leave out old ones
        var options = new CopyOptions
        {
            BeforeListHook = async s =>
            {
                if (s == slot && Interlocked.Exchange(ref fired, 1) == 0)
                {
                    for (var i = 0; i < 200; i++)
                    {
                        await source.ExecuteOnOwnerAsync("SET", $"{{burst}}:new:{i}", "new");
                    }
                }
            },
        };

        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, options);
        await engine.CopyAllAsync();

        Assert.Equal(1, fired);
        var compared = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 5);
        Assert.True(compared.Identical, compared.ToString());
        Assert.Equal(report.Total + 300, compared.SourceKeys);
    }

    [RedisFact]
    public async Task APayloadOfANewerRdbVersionGetsAMessageNamingBothVersions()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await server.ConnectAsync();
        await connection.ExecuteAsync("SET", "k", "v");
        var payload = RespFrame.TryBulk(await connection.ExecuteAsync("DUMP", "k"), out var bytes) ? bytes.ToArray() : [];
        Assert.Equal(10, RdbVersions.OfPayload(payload));
        payload[^10] = 11; // as Redis 7.2 writes it
        var topology = await Topology.ReadAsync(server.Endpoint);

        var early = Assert.Throws<RdbVersionException>(() => RdbVersions.EnsureRestorable(payload, topology));
        Assert.Equal("the source's DUMP payloads are RDB version 11, newer than the target (Redis 7.0.15) restores (RDB version 10 or older); copy to a target of Redis 7.2 or newer", early.Message);

        var writer = new RespWriter();
        writer.Command(4).Bulk("RESTORE"u8).Bulk("k2"u8).Bulk(0).Bulk(payload);
        await connection.SendAsync(writer);
        await connection.ReadFrameAsync();
        var serverText = RespFrame.ErrorText(connection.Frame);
        Assert.StartsWith("ERR DUMP payload version or checksum are wrong", serverText, StringComparison.Ordinal);
        var explained = RdbVersions.ExplainRestoreError(serverText, "k2"u8, payload, topology);
        Assert.IsType<RdbVersionException>(explained);
        payload[^10] = 10;
        payload[^1] ^= 0xFF;
        Assert.Contains("checksum does not match", RdbVersions.ExplainRestoreError(serverText, "k2"u8, payload, topology)!.Message, StringComparison.Ordinal);
    }

    private static async Task SetOnTargetAsync(RedisCluster cluster, IEnumerable<string> keys, string value)
    {
        await using var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(cluster.Endpoint));
        foreach (var key in keys)
        {
            await mux.GetDatabase().StringSetAsync(key, value);
        }
    }

    private static async Task<string?> GetAsync(RedisCluster cluster, string key)
    {
        await using var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(cluster.Endpoint));
        return await mux.GetDatabase().StringGetAsync(key);
    }

    private static async Task DeleteAsync(RedisCluster cluster, byte[] key)
    {
        var topology = await Topology.ReadAsync(cluster.Endpoint);
        await using var connection = await RespConnection.ConnectAsync(topology.Shards[topology.ShardFor(HashSlot.Of(key))].Master);
        var writer = new RespWriter();
        writer.Command(2).Bulk("DEL"u8).Bulk(key);
        await connection.SendAsync(writer);
        await connection.ReadFrameAsync();
        RespConnection.ThrowIfError(connection.Frame);
    }
}
