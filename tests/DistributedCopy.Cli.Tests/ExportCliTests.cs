using System.Diagnostics;
using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>`dcopy export`: files redis-check-rdb accepts, which load back (a folder at once) into a new cluster identical to the source.</summary>
public sealed class ExportCliTests
{
    [RedisFact]
    public async Task AClusterExportedPerMasterIsCheckedByRedisAndLoadsBackIdentical()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        var folder = Path.Combine(Path.GetTempPath(), "dcopy-tests", "export-" + Guid.NewGuid().ToString("N")[..10]);

        var export = await Dcopy.RunAsync("export", "--source", Dcopy.Address(source), "--to", folder, "--json");
        Assert.True(export.ExitCode == ExitCodes.Success, export.ToString());
        Assert.Equal(report.Total, export.Json.GetProperty("keysCopied").GetInt64());
        var files = Directory.GetFiles(folder, "*.rdb");
        Assert.Equal(3, files.Length);

        foreach (var file in files)
        {
            var (code, said) = await CheckAsync(file);
            Assert.True(code == 0 && said.Contains("RDB looks OK", StringComparison.Ordinal), $"{file}: {said}");
        }

        // the folder of per-master files loaded at once, into a cluster of another shape
        await using var copy = await RedisCluster.StartAsync(masters: 5);
        var load = await Dcopy.RunAsync("copy", "--state-dir", Dcopy.StateDir(), "--source", "rdb:" + folder, "--target", Dcopy.Address(copy), "--progress", "none", "--json");
        Assert.True(load.ExitCode == ExitCodes.Success, load.ToString());
        Assert.Equal(report.Total, load.Json.GetProperty("keysCopied").GetInt64());
        Assert.Equal(3, load.Stderr.Split('\n').Count(l => l.StartsWith("file ", StringComparison.Ordinal)));
        var comparison = await DataComparer.CompareAsync(source.Endpoint, copy.Endpoint, ttlToleranceMs: 2000, typedSamplePerType: 100);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    [RedisFact]
    public async Task AServerIsExportedOneFilePerDatabase()
    {
        await using var source = await RedisServer.StartAsync();
        await new StandardDataSet(0.002).LoadAsync(source.Endpoint);
        await new StandardDataSet(0.001) { Prefix = "db3:" }.LoadAsync(source.Endpoint with { Database = 3 });
        var folder = Path.Combine(Path.GetTempPath(), "dcopy-tests", "export-" + Guid.NewGuid().ToString("N")[..10]);

        var export = await Dcopy.RunAsync("export", "--source", source.Endpoint.Address, "--to", folder, "--json");

        Assert.True(export.ExitCode == ExitCodes.Success, export.ToString());
        Assert.Equal(["db0.rdb", "db3.rdb"], Directory.GetFiles(folder).Select(Path.GetFileName).Order());
        await using var copy = await RedisServer.StartAsync();
        foreach (var (file, database) in new[] { ("db0.rdb", 0), ("db3.rdb", 3) })
        {
            var (code, said) = await CheckAsync(Path.Combine(folder, file));
            Assert.True(code == 0, said);
            var load = await Dcopy.RunAsync("copy", "--state-dir", Dcopy.StateDir(), "--source", "rdb:" + Path.Combine(folder, file), "--db", database.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--target", $"redis://{copy.Endpoint.Address}/{database}", "--progress", "none");
            Assert.True(load.ExitCode == ExitCodes.Success, load.ToString());
            var comparison = await DataComparer.CompareAsync(source.Endpoint with { Database = database, NamesDatabase = true }, copy.Endpoint with { Database = database, NamesDatabase = true }, ttlToleranceMs: 2000);
            Assert.True(comparison.Identical, comparison.ToString());

            // redis-server started on the exported file holds exactly the source's keys
            await using var started = await RedisServer.StartOnFileAsync(await File.ReadAllBytesAsync(Path.Combine(folder, file)));
            var own = await DataComparer.CompareAsync(source.Endpoint with { Database = database, NamesDatabase = true }, started.Endpoint with { Database = database, NamesDatabase = true }, ttlToleranceMs: 2000);
            Assert.True(own.Identical, own.ToString());
        }
    }

    private static async Task<(int Code, string Said)> CheckAsync(string file)
    {
        var start = new ProcessStartInfo("redis-check-rdb", file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var said = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, said);
    }
}
