using DistributedCopy.Core.Rdb;
using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

/// <summary>
/// An RDB file whose values the target cannot RESTORE (a newer RDB version than the target's, or --mode typed): each value
/// is decoded from the file (listpacks, quicklists, intsets, ziplists, zipmaps, streams with groups) and written by type.
/// </summary>
public sealed class RdbDecodeTests
{
    [RedisFact]
    public async Task ARedis7FileWrittenByTypeIsIdenticalToTheServerThatSavedIt()
    {
        await using var source = await RedisServer.StartAsync();
        var report = await new StandardDataSet(0.01).LoadAsync(source.Endpoint);
        var file = await source.SaveToFileAsync();
        await using var target = await RedisCluster.StartAsync(masters: 3);

        var loader = await RdbLoader.OpenAsync(file, target.Endpoint, new CopyOptions { Mode = CopyMode.Typed });
        await loader.LoadAsync();

        Assert.Equal(report.Total, loader.Progress.KeysCopied);
        Assert.Equal(report.Total, loader.Progress.KeysTyped);
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, ttlToleranceMs: 2000, typedSamplePerType: 200);
        Assert.True(comparison.Identical, comparison.ToString());
        // verify against the file: values written by type are DUMPed back in the target's own encodings, compared decoded
        var verify = await loader.VerifyAsync(0, ttlToleranceMs: 2000, maxExamples: 10);
        Assert.Equal(report.Total, verify.Compared);
        Assert.True(verify.Differences == 0, verify.ToString());
    }

    [RedisTheory]
    [InlineData(6)]
    [InlineData(9)]
    public async Task AFileNewerThanTheTargetIsWrittenByTypeAndDumpModeIsRefusedNamingBothVersions(int encodings)
    {
        // old encodings (zipmap, ziplist, intset, quicklist, text scores) under a newer version number than Redis 7.0
        // restores (RDB 10): every RESTORE is refused, every value goes by type
        var bytes = OldRdbFile.Write(encodings);
        await using var reference = await RedisServer.StartOnFileAsync(bytes);
        "REDIS0011"u8.CopyTo(bytes);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(bytes.Length - 8), Crc64.Update(0, bytes.AsSpan(0, bytes.Length - 8)));
        var file = Path.Combine(Path.GetTempPath(), "dcopy-tests", $"newer-{Guid.NewGuid():N}.rdb");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllBytesAsync(file, bytes);
        await using var target = await RedisCluster.StartAsync(masters: 3);

        var refused = await Assert.ThrowsAsync<CopyException>(() => RdbLoader.OpenAsync(file, target.Endpoint, new CopyOptions { Mode = CopyMode.Dump }));
        Assert.Contains("RDB version 11", refused.Message, StringComparison.Ordinal);
        Assert.Contains("RDB version 10", refused.Message, StringComparison.Ordinal);

        var loader = await RdbLoader.OpenAsync(file, target.Endpoint, new CopyOptions());
        await loader.LoadAsync();

        var keys = long.Parse(await reference.ExecuteAsync("DBSIZE"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(keys, loader.Progress.KeysCopied);
        Assert.Equal(keys, loader.Progress.KeysTyped);
        Assert.Contains(loader.Progress.TakeNotes(), n => n.Contains("written by type", StringComparison.Ordinal));
        var comparison = await DataComparer.CompareAsync(reference.Endpoint, target.Endpoint, ttlToleranceMs: 2000, typedSamplePerType: 50);
        Assert.True(comparison.Identical, comparison.ToString());
        var verify = await loader.VerifyAsync(0, ttlToleranceMs: 2000, maxExamples: 10);
        Assert.Equal(keys, verify.Compared);
        Assert.True(verify.Differences == 0, verify.ToString());
    }

    [GarnetFact]
    public async Task AFileLoadsIntoGarnetWhichRefusesItsPayloadsByType()
    {
        await using var source = await RedisServer.StartAsync();
        var report = await new StandardDataSet(0.01).LoadAsync(source.Endpoint);
        // Garnet has no streams
        var streams = await GarnetTests.DeleteStreamsAsync(source.Endpoint);
        var file = await source.SaveToFileAsync();
        await using var target = await GarnetServer.StartAsync();

        var loader = await RdbLoader.OpenAsync(file, target.Endpoint, new CopyOptions());
        await loader.LoadAsync();

        Assert.Equal(report.Total - streams, loader.Progress.KeysCopied);
        // whatever Garnet's RESTORE refuses (every collection; strings too where it wants its own RDB version) went by type
        Assert.InRange(loader.Progress.KeysTyped, report.Total - streams - report.ByType["string"], report.Total - streams);
        var comparison = await ValueComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.Equal(report.Total - streams, comparison.TypedCompared);
    }
}
