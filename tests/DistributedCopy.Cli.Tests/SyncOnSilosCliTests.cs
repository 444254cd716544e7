using DistributedCopy.Testing;
using DistributedCopy.Testing.Otlp;

namespace DistributedCopy.Cli.Tests;

/// <summary>`dcopy sync`, `status` and `cutover` with --control: the sync runs on two silo processes, the CLI only starts and ends it.</summary>
public sealed class SyncOnSilosCliTests
{
    [RedisFact]
    public async Task ASyncStartedOnSilosIsFollowedByStatusAndEndedByACutoverWithPauseIdentical()
    {
        await using var control = await RedisServer.StartAsync();
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        await using var writer = await SourceWriter.StartAsync(source.Endpoint);
        var clusterId = "c" + Guid.NewGuid().ToString("N")[..8];
        // both silos export by OTLP to a collector of the test's own: the sync's instruments as an operator's collector gets them
        await using var collector = OtlpReceiver.Start();
        var silos = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => SiloProcess.StartAsync(control, clusterId, collector.Environment())));
        string[] host = ["--control", control.Endpoint.Address, "--cluster-id", clusterId];
        try
        {
            var unknown = await Dcopy.RunAsync(["cutover", "onsilos", .. host]);
            Assert.True(unknown.ExitCode == ExitCodes.BadInput, unknown.ToString());
            Assert.Contains("no job onsilos on the silo cluster", unknown.Stderr, StringComparison.Ordinal);

            var started = await Dcopy.RunAsync(["sync", "--source", source.Endpoint.Address, "--target", Dcopy.Address(target), "--job-id", "onsilos",
                "--configure-notifications", "--sweep-seconds", "1", "--detach", .. host]);
            Assert.True(started.ExitCode == ExitCodes.Success, started.ToString());
            Assert.Contains("sync onsilos runs on the silos", started.Stderr, StringComparison.Ordinal);
            // the follow-up it prints reaches the job pasted as it is: it names the silo cluster
            var hint = System.Text.RegularExpressions.Regex.Match(started.Stderr, "`dcopy (status onsilos[^`]*)` follows it");
            Assert.True(hint.Success, started.ToString());
            Assert.Equal($"status onsilos --control {control.Endpoint.Address} --cluster-id {clusterId}", hint.Groups[1].Value);
            var pasted = await Dcopy.RunAsync(hint.Groups[1].Value.Split(' '));
            Assert.True(pasted.ExitCode == ExitCodes.Success, pasted.ToString());
            Assert.Contains("sync onsilos: ", pasted.Stdout, StringComparison.Ordinal);

            // live: the status says so, with its lag
            DcopyResult status;
            var deadline = DateTime.UtcNow.AddSeconds(90);
            do
            {
                await Task.Delay(500);
                status = await Dcopy.RunAsync(["status", "onsilos", "--json", .. host]);
                Assert.True(status.ExitCode == ExitCodes.Success, status.ToString());
                Assert.True(DateTime.UtcNow < deadline, "never live: " + status);
            }
            while (!status.Stderr.Contains("sync onsilos: live, lag ", StringComparison.Ordinal));
            Assert.True(status.Json.GetProperty("sync").GetProperty("live").GetBoolean(), status.ToString());
            // the same command again continues the same job (no second job, no second snapshot)
            var again = await Dcopy.RunAsync(["sync", "--source", source.Endpoint.Address, "--target", Dcopy.Address(target), "--job-id", "onsilos", "--detach", .. host]);
            Assert.True(again.ExitCode == ExitCodes.Success, again.ToString());
            Assert.Contains("sync onsilos: syncing on the silos", again.Stderr, StringComparison.Ordinal);

            writer.StopShortLived();
            await Task.Delay(2500);
            AssertSyncExported(collector, status, report.Total);
            var cutover = await Dcopy.RunAsync(["cutover", "onsilos", "--pause-writes", "--hold", "60", "--timeout", "60", "--json", .. host]);
            try
            {
                Assert.True(cutover.ExitCode == ExitCodes.Success, cutover.ToString());
                Assert.True(cutover.Json.GetProperty("cutover").GetProperty("inSync").GetBoolean(), cutover.ToString());
                Assert.True(cutover.Json.GetProperty("cutover").GetProperty("writesPaused").GetBoolean(), cutover.ToString());
                Assert.Contains("target in sync at", cutover.Stderr, StringComparison.Ordinal);
                var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, ttlToleranceMs: 2000, typedSamplePerType: 100);
                Assert.True(comparison.Identical, comparison.ToString());
                Assert.Equal(cutover.Json.GetProperty("cutover").GetProperty("sourceKeys").GetInt64(), comparison.SourceKeys);
                Assert.True(comparison.SourceKeys >= report.Total / 2, comparison.ToString());
            }
            finally
            {
                await source.ExecuteAsync("CLIENT", "UNPAUSE");
            }
            var done = await Dcopy.RunAsync(["status", "onsilos", .. host]);
            Assert.Contains("sync onsilos", done.Stdout, StringComparison.Ordinal);
            Assert.Contains("target in sync at", done.Stdout, StringComparison.Ordinal);
            await writer.StopAsync();
            Assert.True(writer.Writes > 1000, $"writes {writer.Writes}, errors {writer.Errors}");
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>Every sync instrument arrived from the silos, live and proven, with at least what the status said.</summary>
    private static void AssertSyncExported(OtlpReceiver collector, DcopyResult status, long keys)
    {
        const string service = "dcopy-silo";
        double Received(string metric) => collector.Last(service, metric) ?? throw new Xunit.Sdk.XunitException($"{metric} never received ({collector.MetricPayloads} payloads: {string.Join(", ", collector.Metrics(service))})");
        // a counter is exported from its first count on: one of something that did not happen may never arrive
        double Counted(string metric) => collector.Last(service, metric) ?? 0;
        var sync = status.Json.GetProperty("sync");
        Assert.True(Received("distributedcopy.keys.copied") >= keys / 2, $"keys.copied {Received("distributedcopy.keys.copied")}");
        Assert.True(Received("distributedcopy.leases.granted") >= 1);
        Assert.True(Received("distributedcopy.sync.changes") >= sync.GetProperty("changes").GetInt64());
        Assert.True(Received("distributedcopy.sync.applied") >= sync.GetProperty("applied").GetInt64());
        Assert.True(Received("distributedcopy.sync.applied") > 100, "the writer's changes were not applied");
        Assert.True(Counted("distributedcopy.sync.compared") >= sync.GetProperty("compared").GetInt64());
        Assert.True(Counted("distributedcopy.sync.reconciles") >= sync.GetProperty("reconciles").GetInt64());
        Assert.True(Counted("distributedcopy.sync.repaired") >= sync.GetProperty("repaired").GetInt64());
        Assert.True(Received("distributedcopy.sync.lag") >= 0);
        Assert.True(Received("distributedcopy.sync.pending") >= 0);
        Assert.Equal(0, Received("distributedcopy.sync.feeds.unproven"));
        Assert.True(Received("distributedcopy.batch.duration") > 0);
    }
}
