using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>
/// The multi-host shape: three silos, each in a network namespace of its own (as on three machines), copy a cluster
/// whose servers they reach over a bridge; one silo's link is cut mid-job (it stays up, isolated), the other two finish
/// its work, and the target is compared with the source independently.
/// </summary>
public sealed class SeparateHostsCliTests
{
    [RedisFact]
    public async Task ThreeSilosOnSeparateHostsFinishAJobWhenOneHostsLinkIsCutIdentical()
    {
        await using var lab = await NetworkLab.StartAsync(hosts: 3);
        // the servers listen on loopback (the test's own reads) and on the lab's network, and announce that address
        var reachable = new RedisServerOptions { ExtraConfig = [$"bind 127.0.0.1 {lab.RootAddress}", "protected-mode no", $"cluster-announce-ip {lab.RootAddress}"] };
        await using var control = await RedisServer.StartAsync(reachable);
        await using var source = await RedisCluster.StartAsync(masters: 3, options: reachable);
        await using var target = await RedisCluster.StartAsync(masters: 3, options: reachable);
        var report = await new StandardDataSet(0.02).LoadAsync(source.Endpoint);
        var clusterId = "n" + Guid.NewGuid().ToString("N")[..8];
        var controlAddress = $"{lab.RootAddress}:{control.Port}";
        var silos = await Task.WhenAll(Enumerable.Range(0, 3).Select(host => SiloProcess.StartAsync(controlAddress, clusterId, lab: lab, host: host)));
        string[] host = ["--control", controlAddress, "--cluster-id", clusterId];
        try
        {
            // a few keys per batch, one pipeline, and a rate (21,820 keys at 2,000 keys/s: 11 s at least): slow enough for every
            // silo to report and for the cut to land mid-job, however fast the copy itself gets
            var started = await Dcopy.RunAsync(["copy", "--source", $"{lab.RootAddress}:{source.Nodes[0].Port}", "--target", $"{lab.RootAddress}:{target.Nodes[0].Port}",
                "--job-id", "hosts", "--workers", "3", "--batch-size", "5", "--pipelines", "1", "--max-rate", "2000", "--detach", .. host]);
            Assert.True(started.ExitCode == ExitCodes.Success, started.ToString());
            DcopyResult status;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            do
            {
                await Task.Delay(300);
                status = await Dcopy.RunAsync(["status", "hosts", "--json", .. host]);
                Assert.True(DateTime.UtcNow < deadline, "the silos never all reported: " + status);
                Assert.DoesNotContain("job hosts: completed", status.Stderr, StringComparison.Ordinal);
            }
            while (status.Json.GetProperty("keysBySilo").EnumerateObject().Count(s => s.Value.GetInt64() > 0) < 3);

            // the cut host's silo runs workers that hold partitions of a job not done: its leases must run out and move
            // (a worker reports only while it holds a lease: one on the cut host reported in the last seconds)
            var cutAt = DateTime.UtcNow;
            Assert.Contains(status.Json.GetProperty("workers").EnumerateObject(), w => silos[0].Is(w.Value.GetProperty("silo").GetString()!)
                && cutAt - w.Value.GetProperty("lastReport").GetDateTime().ToUniversalTime() < TimeSpan.FromSeconds(5));
            Assert.True(status.Json.GetProperty("partitionsDone").GetInt32() < status.Json.GetProperty("partitionsTotal").GetInt32(), status.ToString());
            await lab.CutAsync(0);

            deadline = DateTime.UtcNow.AddSeconds(150);
            do
            {
                await Task.Delay(1000);
                status = await Dcopy.RunAsync(["status", "hosts", "--json", .. host]);
                Assert.True(DateTime.UtcNow < deadline, "the job never completed after the cut: " + status);
            }
            while (!status.Stderr.Contains("job hosts: completed", StringComparison.Ordinal));
            var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, ttlToleranceMs: 2000, typedSamplePerType: 100);
            Assert.True(comparison.Identical, comparison.ToString());
            Assert.Equal(report.Total, comparison.SourceKeys);
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
