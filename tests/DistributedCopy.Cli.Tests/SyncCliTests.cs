using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>`dcopy sync` and `dcopy cutover` as an operator runs them, against a source an application keeps writing to.</summary>
public sealed class SyncCliTests
{
    [RedisFact]
    public async Task ASyncKilledAndStartedAgainResumesAndCutoverWithPauseLeavesTheTargetIdentical()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisServer.StartAsync();
        var report = await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        await using var writer = await SourceWriter.StartAsync(source.Endpoint);
        var state = Dcopy.StateDir();
        string[] sync = ["sync", "--source", Dcopy.Address(source), "--target", target.Endpoint.Address, "--job-id", "live", "--state-dir", state,
            "--configure-notifications", "--sweep-seconds", "1", "--interval", "0.5", "--progress", "none"];

        using (var first = Dcopy.Start(sync))
        {
            await WaitForStatusAsync(state, "live", first);
            first.Kill();
            await first.WaitForExitAsync();
        }
        await Task.Delay(1000);
        using var second = Dcopy.Start(sync);
        var stderr = second.StandardError.ReadToEndAsync();
        await WaitForStatusAsync(state, "live", second);
        var status = await Dcopy.RunAsync("status", "live", "--state-dir", state, "--json");
        Assert.True(status.ExitCode == ExitCodes.Success, status.ToString());
        Assert.Contains("sync live: live, lag ", status.Stderr, StringComparison.Ordinal);
        Assert.True(status.Json.GetProperty("sync").GetProperty("lagSeconds").GetDouble() < 30, status.ToString());
        writer.StopShortLived();
        await Task.Delay(2500);

        var cutover = await Dcopy.RunAsync("cutover", "live", "--pause-writes", "--hold", "60", "--timeout", "60", "--state-dir", state, "--json");
        try
        {
            Assert.True(cutover.ExitCode == ExitCodes.Success, cutover + " sync: " + await stderr);
            Assert.True(cutover.Json.GetProperty("cutover").GetProperty("inSync").GetBoolean(), cutover.ToString());
            Assert.True(cutover.Json.GetProperty("sync").GetProperty("reconciles").GetInt64() > 0, cutover.ToString());
            Assert.Contains("target in sync at", cutover.Stderr, StringComparison.Ordinal);
            await second.WaitForExitAsync();
            Assert.Equal(ExitCodes.Success, second.ExitCode);
            Assert.Contains("resumed: every slot is reconciled", await stderr, StringComparison.Ordinal);
            var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, ttlToleranceMs: 2000, typedSamplePerType: 100);
            Assert.True(comparison.Identical, comparison.ToString());
            Assert.True(comparison.SourceKeys >= report.Total / 2, comparison.ToString());
        }
        finally
        {
            foreach (var master in await source.MastersAsync())
            {
                await master.ExecuteAsync("CLIENT", "UNPAUSE");
            }
        }
        await writer.StopAsync();
    }

    [RedisFact]
    public async Task SyncRefusesASourceWithoutKeyspaceNotificationsSayingHowToEnableThem()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await source.ExecuteAsync("SET", "k", "v");

        var result = await Dcopy.RunAsync("sync", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--state-dir", Dcopy.StateDir(), "--progress", "none");

        Assert.True(result.ExitCode == ExitCodes.BadInput, result.ToString());
        Assert.Contains("notify-keyspace-events", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--configure-notifications", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Trim().Split('\n'), line => line.StartsWith("dcopy:", StringComparison.Ordinal));
        Assert.Equal("0", await target.ExecuteAsync("DBSIZE"));
    }

    [RedisFact]
    public async Task PlanSaysWhetherSyncCanFollowTheSource()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await source.ExecuteAsync("SET", "k", "v");

        var without = await Dcopy.RunAsync("plan", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--json");
        await source.ExecuteAsync("CONFIG", "SET", "notify-keyspace-events", "KEA");
        var with = await Dcopy.RunAsync("plan", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--json");

        Assert.True(without.ExitCode == ExitCodes.Success, without.ToString());
        Assert.Contains($"sync    dcopy sync needs keyspace notifications (\"EA\"): {source.Endpoint.Address} has \"\", lacking \"Eg$lshztxe\"", without.Stderr, StringComparison.Ordinal);
        Assert.False(without.Json.GetProperty("syncReady").GetBoolean());
        Assert.Contains("sync    dcopy sync can follow this source", with.Stderr, StringComparison.Ordinal);
        Assert.True(with.Json.GetProperty("syncReady").GetBoolean());
        // the canary written once (set and deleted in one MULTI): allowed, and nothing left on the source
        Assert.Contains("canary  dcopy sync can prove its change feeds", with.Stderr, StringComparison.Ordinal);
        Assert.True(with.Json.GetProperty("canaryAllowed").GetBoolean());
        Assert.Equal("1", await source.ExecuteAsync("DBSIZE"));
        Assert.Equal("0", await target.ExecuteAsync("DBSIZE"));
    }

    [RedisFact]
    public async Task CutoverOfASyncThatIsNotRunningIsBadInput()
    {
        var result = await Dcopy.RunAsync("cutover", "nothing-here", "--state-dir", Dcopy.StateDir());

        Assert.True(result.ExitCode == ExitCodes.BadInput, result.ToString());
        Assert.Contains("no job nothing-here in the state directory", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>Waits until the sync run by <paramref name="sync"/> reports <paramref name="phase"/>, asked as an operator would: `dcopy status` from another process.</summary>
    private static Task WaitForStatusAsync(string state, string phase, System.Diagnostics.Process sync) => Eventually.HoldsAsync(async () =>
    {
        Assert.False(sync.HasExited, $"the sync stopped (exit {(sync.HasExited ? sync.ExitCode : 0)})");
        var status = await Dcopy.RunAsync("status", "live", "--state-dir", state);
        return status.ExitCode == ExitCodes.Success && status.Stdout.Contains($"sync live: {phase}", StringComparison.Ordinal);
    }, $"`dcopy status` saying {phase}", TimeSpan.FromSeconds(90), every: TimeSpan.FromMilliseconds(300));
}
