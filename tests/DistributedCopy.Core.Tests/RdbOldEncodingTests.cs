using DistributedCopy.Core.Rdb;
using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

/// <summary>
/// Files in the encodings of RDB versions before 10 (zipmap, ziplist, intset, quicklist of ziplists, scores as text),
/// written by a test helper from the format's specification: Redis 7.0 loads each one itself (DEBUG RELOAD), and dcopy's
/// load of the same file into a cluster must hold exactly what Redis holds.
/// </summary>
public sealed class RdbOldEncodingTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [RedisTheory]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(9)]
    public async Task OlderEncodingsLoadAsRedisItselfLoadsThem(int version)
    {
        var bytes = OldRdbFile.Write(version);
        var file = Path.Combine(Path.GetTempPath(), "dcopy-tests", $"old-{version}-{Guid.NewGuid():N}.rdb");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllBytesAsync(file, bytes);
        await using var reference = await RedisServer.StartOnFileAsync(bytes);
        await using var target = await RedisCluster.StartAsync(masters: 3);

        var loader = await RdbLoader.OpenAsync(file, target.Endpoint, new CopyOptions());
        await loader.LoadAsync();

        output.WriteLine($"RDB {version}: {loader.Progress.KeysCopied} keys, expired {loader.Stats.Expired}: {string.Join(", ", loader.Stats.ByEncoding.Select(e => $"{e.Key}={e.Value}"))}");
        Assert.Equal(1, loader.Stats.Expired);
        Assert.Equal(long.Parse(await reference.ExecuteAsync("DBSIZE"), System.Globalization.CultureInfo.InvariantCulture), loader.Progress.KeysCopied);
        Assert.Contains("hash-zipmap", loader.Stats.ByEncoding.Keys);
        Assert.Contains("set-intset", loader.Stats.ByEncoding.Keys);
        var comparison = await DataComparer.CompareAsync(reference.Endpoint, target.Endpoint, ttlToleranceMs: 2000, typedSamplePerType: 50);
        Assert.True(comparison.Identical, comparison.ToString());
    }
}
