using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>`dcopy sync --capture replication`: dcopy as a replica of a standalone master that has no keyspace notifications.</summary>
public sealed class ReplicationSyncCliTests
{
    [RedisFact]
    public async Task ASyncByTheStreamKilledAndStartedAgainContinuesFromItsOffsetAndCutsOverIdentical()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await source.ExecuteAsync("CONFIG", "SET", "notify-keyspace-events", "");
        var report = await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        // appends, increments, pushes, renames, expiring keys: a command applied twice would show
        await using var writer = await SourceWriter.StartAsync(source.Endpoint, expiring: true);
        var state = Dcopy.StateDir();
        string[] sync = ["sync", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--capture", "replication", "--job-id", "stream",
            "--state-dir", state, "--interval", "0.5", "--progress", "none"];

        using (var first = Dcopy.Start(sync))
        {
            await WaitForLiveAsync(state, first);
            // past a few reports, so the checkpoint is a position of the stream
            await Task.Delay(2000);
            first.Kill();
            await first.WaitForExitAsync();
        }
        var before = await StatsAsync(source);
        await Task.Delay(1000);
        using var second = Dcopy.Start(sync);
        var stderr = second.StandardError.ReadToEndAsync();
        await WaitForLiveAsync(state, second);
        var status = await Dcopy.RunAsync("status", "stream", "--state-dir", state, "--json");
        Assert.True(status.ExitCode == ExitCodes.Success, status.ToString());
        Assert.Contains("bytes of the stream behind (target at ", status.Stderr, StringComparison.Ordinal);
        Assert.NotNull(status.Json.GetProperty("sync").GetProperty("position").GetString());
        writer.StopShortLived();
        await Task.Delay(1500);

        var cutover = await Dcopy.RunAsync("cutover", "stream", "--pause-writes", "--hold", "30", "--timeout", "60", "--state-dir", state, "--json");
        try
        {
            Assert.True(cutover.ExitCode == ExitCodes.Success, cutover.ToString());
            Assert.Contains("target in sync at", cutover.Stderr, StringComparison.Ordinal);
            Assert.Contains("ok      stream: the target applied the stream up to offset", cutover.Stderr, StringComparison.Ordinal);
            await second.WaitForExitAsync();
            Assert.Equal(ExitCodes.Success, second.ExitCode);
            Assert.Contains("resumed: the replication stream continues from the offset the target holds", await stderr, StringComparison.Ordinal);
            var after = await StatsAsync(source);
            // the second dcopy continued the stream: one partial resynchronisation, no second snapshot
            Assert.Equal((before.Full, before.Partial + 1), (after.Full, after.Partial));
            var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, ttlToleranceMs: 2000, typedSamplePerType: 100);
            Assert.True(comparison.Identical, comparison.ToString());
            Assert.True(comparison.SourceKeys >= report.Total / 2, comparison.ToString());
        }
        finally
        {
            await source.ExecuteAsync("CLIENT", "UNPAUSE");
            if (!second.HasExited)
            {
                second.Kill();
            }
        }
        await writer.StopAsync();
    }

    [RedisFact]
    public async Task PlanSaysWhetherTheStreamCanBeFollowedAndSyncRefusesAClusterSource()
    {
        await using var source = await RedisServer.StartAsync();
        await using var cluster = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisServer.StartAsync();

        var plan = await Dcopy.RunAsync("plan", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--json");
        Assert.True(plan.ExitCode == ExitCodes.Success, plan.ToString());
        Assert.Contains("dcopy sync --capture replication can follow", plan.Stdout + plan.Stderr, StringComparison.Ordinal);
        Assert.True(plan.Json.GetProperty("replicationAllowed").GetBoolean(), plan.ToString());

        var refused = await Dcopy.RunAsync("sync", "--source", Dcopy.Address(cluster), "--target", target.Endpoint.Address, "--capture", "replication", "--state-dir", Dcopy.StateDir());
        Assert.True(refused.ExitCode == ExitCodes.BadInput, refused.ToString());
        Assert.Contains("--capture replication: the source is a cluster", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, await KeyCounter.DbSizeAsync(target.Endpoint));
    }

    private static async Task WaitForLiveAsync(string state, System.Diagnostics.Process sync)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            Assert.False(sync.HasExited, $"the sync stopped (exit {(sync.HasExited ? sync.ExitCode : 0)})");
            var status = await Dcopy.RunAsync("status", "stream", "--state-dir", state, "--json");
            if (status.ExitCode == ExitCodes.Success && status.Stderr.Contains("sync stream: live", StringComparison.Ordinal))
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "not live within 90 s: " + status);
            await Task.Delay(300);
        }
    }

    private static async Task<(long Full, long Partial)> StatsAsync(RedisServer server)
    {
        var info = await server.ExecuteAsync("INFO", "stats");
        long Field(string name) => long.Parse(info.Split('\n').First(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return (Field("sync_full"), Field("sync_partial_ok"));
    }
}
