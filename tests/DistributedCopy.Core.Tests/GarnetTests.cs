using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

/// <summary>
/// Garnet 2.2.8 as a real second make of server: its RESTORE takes no REPLACE/ABSTTL and strings only, its DUMP writes RDB 11
/// (which Redis 7.0 refuses) and gives nothing for other types, and it has no streams. Every key is compared value by value.
/// </summary>
public sealed class GarnetTests
{
    [GarnetFact]
    public async Task TheStandardSetsTypesGarnetHasGoFromRedisIntoGarnetByTypeBigKeysInChunks()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await GarnetServer.StartAsync();
        var report = await new StandardDataSet(0.01) { BinaryKeys = 100 }.LoadAsync(source.Endpoint);
        var streams = await DeleteStreamsAsync(source.Endpoint);
        await BigKeys.ListAsync(source.Endpoint, "big:list", 4000, 1000);
        await BigKeys.HashAsync(source.Endpoint, "big:hash", 50_000);
        await source.ExecuteAsync("PEXPIRE", "big:hash", "3600000");
        var total = report.Total - streams + 2;
        var options = new CopyOptions { BigKeyBytes = 1024 * 1024 };

        await using (var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, options))
        {
            await engine.CopyAllAsync();
            Assert.Equal(total, engine.Progress.KeysCopied);
            Assert.Equal(total, engine.Progress.KeysTyped);
            Assert.Equal(2, engine.Progress.KeysChunked);
            Assert.Contains(engine.Progress.TakeNotes(), n => n.Contains("does not RESTORE", StringComparison.Ordinal));
        }

        var comparison = await ValueComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.Equal(total, comparison.TypedCompared);
        await using var verify = await Verifier.OpenAsync(source.Endpoint, target.Endpoint, options, ttlToleranceMs: 2000);
        await verify.VerifyAllAsync();
        Assert.Equal(total, verify.Result.Compared);
        Assert.True(verify.Result.Differences == 0, verify.Result.ToString());
    }

    [GarnetFact]
    public async Task StringsAndCollectionsGoFromGarnetIntoRedisByTypeTtlsIncluded()
    {
        await using var source = await GarnetServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        var total = await LoadGarnetAsync(source.Endpoint);

        await using (var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions()))
        {
            await engine.CopyAllAsync();
            Assert.Equal(total, engine.Progress.KeysCopied);
            // Garnet's string payloads are RDB 11, newer than Redis 7.0 restores; its other types give no payload at all
            Assert.Equal(total, engine.Progress.KeysTyped);
        }

        var comparison = await ValueComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.Equal(total, comparison.TypedCompared);
        await using var verify = await Verifier.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions(), ttlToleranceMs: 2000);
        await verify.VerifyAllAsync();
        Assert.True(verify.Result.Differences == 0, verify.Result.ToString());
    }

    /// <summary>Strings (a third with a TTL, some binary), hashes, sets, sorted sets with ±inf scores and lists; returns the key count.</summary>
    private static async Task<int> LoadGarnetAsync(RedisEndpoint endpoint)
    {
        await using var connection = await RespConnection.ConnectAsync(endpoint);
        var writer = new RespWriter();
        var keys = 0;
        for (var i = 0; i < 600; i++, keys++)
        {
            var key = i % 50 == 0 ? [(byte)'b', 0, 255, (byte)i] : System.Text.Encoding.ASCII.GetBytes($"string:{i}");
            writer.Command(i % 3 == 0 ? 5 : 3).Bulk("SET"u8).Bulk(key).Bulk(i % 7 == 0 ? [0, 1, 2, 255, (byte)i] : System.Text.Encoding.ASCII.GetBytes($"value-{i}"));
            if (i % 3 == 0)
            {
                writer.Bulk("PX"u8).Bulk(3_600_000 + i);
            }
        }
        for (var i = 0; i < 40; i++, keys += 4)
        {
            writer.Command("HSET", $"hash:{i}", "a", $"{i}", "b", "", "c", new string('c', i * 10));
            writer.Command("SADD", $"set:{i}", "1", "2", $"m{i}", "x");
            writer.Command("ZADD", $"zset:{i}", "+inf", "top", "-inf", "bottom", $"{i * 0.1}", "mid", "1e-7", "tiny");
            writer.Command("RPUSH", $"list:{i}", "a", "b", "a", $"{i}");
            if (i % 4 == 0)
            {
                writer.Command("PEXPIRE", $"list:{i}", "7200000");
            }
        }
        await connection.SendAsync(writer);
        for (var i = 0; i < writer.Commands; i++)
        {
            await connection.ReadFrameAsync();
            RespConnection.ThrowIfError(connection.Frame);
        }
        return keys;
    }

    internal static async Task<long> DeleteStreamsAsync(RedisEndpoint endpoint)
    {
        await using var connection = await RespConnection.ConnectAsync(endpoint);
        long deleted = 0;
        var cursor = "0";
        do
        {
            var page = RespFrame.Array(await connection.ExecuteAsync("SCAN", cursor, "COUNT", "1000", "TYPE", "stream"));
            cursor = RespFrame.String(page.Next());
            var keys = RespFrame.Array(page.Next());
            var writer = new RespWriter();
            while (keys.MoveNext(out var key))
            {
                RespFrame.TryBulk(key, out var name);
                writer.Command(2).Bulk("DEL"u8).Bulk(name);
            }
            if (writer.Commands > 0)
            {
                await connection.SendAsync(writer);
                for (var i = 0; i < writer.Commands; i++)
                {
                    await connection.ReadFrameAsync();
                    deleted += RespFrame.Integer(connection.Frame);
                }
            }
        }
        while (cursor != "0");
        return deleted;
    }
}
