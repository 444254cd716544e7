using DistributedCopy.Core.Rdb;
using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

/// <summary>
/// RDB files written by the Redis 7.0 under test (SAVE of the standard set: every type, streams with groups and pending
/// entries, TTLs) loaded into clusters and a standalone server, compared with the server that wrote them; damaged files.
/// </summary>
public sealed class RdbFileTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [RedisTheory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(0)]
    public async Task AFileRedisWroteLoadsIntoAClusterOrAServerIdenticalToTheServerThatWroteIt(int masters)
    {
        await using var source = await RedisServer.StartAsync();
        var report = await new StandardDataSet(0.01).LoadAsync(source.Endpoint);
        var file = await source.SaveToFileAsync();
        await using var cluster = masters > 0 ? await RedisCluster.StartAsync(masters) : null;
        await using var server = masters == 0 ? await RedisServer.StartAsync() : null;
        var target = cluster?.Endpoint ?? server!.Endpoint;

        var loader = await RdbLoader.OpenAsync(file, target, new CopyOptions());
        await loader.LoadAsync();

        output.WriteLine($"RDB {loader.Stats.Version}: {loader.Progress.KeysCopied} keys, {string.Join(", ", loader.Stats.ByEncoding.Select(e => $"{e.Key}={e.Value}"))}");
        Assert.Equal(report.Total, loader.Progress.KeysCopied);
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target, ttlToleranceMs: 2000, typedSamplePerType: 200);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.Contains("stream-v2", loader.Stats.ByEncoding.Keys);
    }

    [RedisFact]
    public async Task ADamagedOrTruncatedFileIsRefusedNamingTheOffsetBeforeAnythingIsWritten()
    {
        await using var source = await RedisServer.StartAsync();
        await new StandardDataSet(0.002).LoadAsync(source.Endpoint);
        var file = await source.SaveToFileAsync();
        await using var target = await RedisServer.StartAsync();
        var bytes = await File.ReadAllBytesAsync(file);
        var flipped = bytes.ToArray();
        flipped[bytes.Length / 2] ^= 0x5A;

        foreach (var (name, content, says) in new[]
        {
            ("flipped", flipped, "the file's checksum"),
            ("truncated", bytes[..(bytes.Length * 2 / 3)], "does not end with an end-of-file record"),
            ("text", "hello, world, this is not a dump"u8.ToArray(), "not an RDB file"),
        })
        {
            var path = file + "." + name;
            await File.WriteAllBytesAsync(path, content);
            var error = await Assert.ThrowsAsync<RdbFileException>(() => RdbLoader.OpenAsync(path, target.Endpoint, new CopyOptions()));
            output.WriteLine(error.Message);
            Assert.StartsWith("RDB file, at byte ", error.Message, StringComparison.Ordinal);
            Assert.Contains(says, error.Message, StringComparison.Ordinal);
        }
        Assert.Equal("0", await target.ExecuteAsync("DBSIZE"));
    }

    [RedisFact]
    public async Task AValueDamagedPastTheFingerprintedStartIsRefusedWhenAJobOpensTheFileAgain()
    {
        await using var source = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = ["rdbcompression no"] });
        await using (var connection = await source.ConnectAsync())
        {
            for (var i = 0; i < 20_000; i++)
            {
                await connection.ExecuteAsync("SET", $"k{i}", new string('x', 100) + i);
            }
        }
        var file = await source.SaveToFileAsync();
        var fingerprint = RdbFingerprint.Of(file);
        var bytes = await File.ReadAllBytesAsync(file);
        Assert.True(bytes.Length > 2_000_000);
        // one byte of a value well past the first megabyte (what the fingerprint hashes): the file a job started with, to
        // the fingerprint, but a value a resume would restore damaged
        var at = Array.IndexOf(bytes, (byte)'x', 1_500_000);
        bytes[at] = (byte)'y';
        await File.WriteAllBytesAsync(file, bytes);
        Assert.Equal(fingerprint, RdbFingerprint.Of(file));
        await using var target = await RedisServer.StartAsync();

        var error = await Assert.ThrowsAsync<RdbFileException>(() => RdbLoader.OpenAsync(file, target.Endpoint, new CopyOptions(), fingerprint: fingerprint));
        Assert.Contains("the file's checksum", error.Message, StringComparison.Ordinal);
        Assert.Equal("0", await target.ExecuteAsync("DBSIZE"));
    }

    [RedisFact]
    public async Task AFileOfBigValuesIsLoadedInBatchesBoundedByBytes()
    {
        await using var source = await RedisServer.StartAsync();
        await using (var connection = await RespConnection.ConnectAsync(source.Endpoint))
        {
            for (var i = 0; i < 30; i++)
            {
                // random (incompressible) megabyte values, so the file's payloads are as big as the values
                await connection.ExecuteAsync("SET", $"big:{i}", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(768 * 1024)));
            }
        }
        var file = await source.SaveToFileAsync();
        await using var target = await RedisCluster.StartAsync(masters: 3);

        var loader = await RdbLoader.OpenAsync(file, target.Endpoint, new CopyOptions { MaxBatchBytes = 4 * 1024 * 1024 });
        await loader.LoadAsync();

        Assert.Equal(30, loader.Progress.KeysCopied);
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    [Fact]
    public void Crc64IsRedisCrc64() => Assert.Equal(0xe9c6d914c4b8d9caUL, Crc64.Update(0, "123456789"u8));
}
