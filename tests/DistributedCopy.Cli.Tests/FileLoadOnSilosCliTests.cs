using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>
/// Per-master RDB files loaded on a silo cluster: a worker per file on any silo, one silo killed mid-load, its files
/// resumed on the other from their positions; the target ends identical to the cluster the files were exported from.
/// </summary>
public sealed class FileLoadOnSilosCliTests
{
    [RedisFact]
    public async Task FilesLoadedOnTwoSilosSurviveASiloKilledMidLoadIdentical()
    {
        await using var control = await RedisServer.StartAsync();
        await using var source = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.03).LoadAsync(source.Endpoint);
        var folder = Path.Combine(Path.GetTempPath(), "dcopy-tests", "silo-files-" + Guid.NewGuid().ToString("N")[..10]);
        var export = await Dcopy.RunAsync("export", "--source", Dcopy.Address(source), "--to", folder);
        Assert.True(export.ExitCode == ExitCodes.Success, export.ToString());
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var clusterId = "f" + Guid.NewGuid().ToString("N")[..8];
        var silos = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => SiloProcess.StartAsync(control, clusterId)));
        string[] host = ["--control", control.Endpoint.Address, "--cluster-id", clusterId];
        try
        {
            // a key per batch and a rate (32,730 keys at 3,000 keys/s: 10 s at least): slow enough for a silo to die while every
            // file is being read, however fast the load itself gets
            var started = await Dcopy.RunAsync(["copy", "--source", "rdb:" + folder, "--target", Dcopy.Address(target), "--job-id", "files", "--workers", "3",
                "--batch-size", "1", "--pipelines", "1", "--max-rate", "3000", "--detach", .. host]);
            Assert.True(started.ExitCode == ExitCodes.Success, started.ToString());
            // both silos have reported keys (checkpoints of their files) before one dies
            var deadline = DateTime.UtcNow.AddSeconds(60);
            DcopyResult status;
            do
            {
                await Task.Delay(300);
                status = await Dcopy.RunAsync(["status", "files", "--json", .. host]);
                Assert.True(DateTime.UtcNow < deadline, "the silos never both reported: " + status);
                Assert.DoesNotContain("job files: completed", status.Stderr, StringComparison.Ordinal);
            }
            while (status.Json.GetProperty("keysBySilo").EnumerateObject().Count(s => s.Value.GetInt64() > 0) < 2);
            silos[0].Kill();

            deadline = DateTime.UtcNow.AddSeconds(120);
            do
            {
                await Task.Delay(1000);
                status = await Dcopy.RunAsync(["status", "files", "--json", .. host]);
                Assert.True(DateTime.UtcNow < deadline, "the load never completed: " + status);
            }
            while (!status.Stderr.Contains("job files: completed", StringComparison.Ordinal));
            Assert.Contains("partitions 3/3", status.Stderr, StringComparison.Ordinal);
            var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, ttlToleranceMs: 2000, typedSamplePerType: 100);
            Assert.True(comparison.Identical, comparison.ToString());
            // both silos loaded keys: the files were spread, and the survivor took the dead silo's over
            var bySilo = status.Json.GetProperty("keysBySilo").EnumerateObject().ToList();
            Assert.True(bySilo.Count(s => s.Value.GetInt64() > 0) == 2, status.ToString());
            Assert.True(bySilo.Single(s => silos[1].Is(s.Name)).Value.GetInt64() > 0, status.ToString());
            // the dead silo's files were leased again (and went on from their positions: the comparison above)
            Assert.True(status.Json.GetProperty("leasesGranted").GetInt64() > 3, status.ToString());
            // status --json has the summaries' shape: camelCase names, phase and kind as words
            Assert.Equal("completed", status.Json.GetProperty("phase").GetString());
            Assert.Equal("copy", status.Json.GetProperty("kind").GetString());
            Assert.False(status.Json.TryGetProperty("Phase", out _), status.ToString());
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }
}
