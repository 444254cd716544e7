using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

public sealed class EmbeddedJobTests
{
    [RedisFact]
    public async Task CopyWithVerifyExitsZeroAndItsJsonCountsEqualTheSource()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.02) { BinaryKeys = 100 }.LoadAsync(source.Endpoint);

        var result = await Dcopy.RunAsync("copy", "--source", Dcopy.Address(source), "--target", Dcopy.Address(target), "--verify", "--json", "--progress", "log", "--state-dir", Dcopy.StateDir());

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = result.Json;
        Assert.Equal("completed", json.GetProperty("phase").GetString());
        Assert.Equal(report.Total, json.GetProperty("keysCopied").GetInt64());
        Assert.Equal(report.Total, json.GetProperty("verify").GetProperty("compared").GetInt64());
        Assert.Equal(0, json.GetProperty("verify").GetProperty("missing").GetInt64());
        Assert.Equal(report.ByType, await KeyCounter.CountByTypeAsync(target.Endpoint));
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    [RedisFact]
    public async Task AnEmbeddedCopyKilledMidJobResumesFromItsCheckpointsAndVerifiesClean()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.1).LoadAsync(source.Endpoint);
        var state = Dcopy.StateDir();

        // small batches, one pipeline: slow enough to be killed in the middle
        using (var copy = Dcopy.Start("copy", "--source", Dcopy.Address(source), "--target", Dcopy.Address(target), "--job-id", "crash", "--state-dir", state,
            "--batch-size", "20", "--pipelines", "1", "--workers", "2", "--progress", "none"))
        {
            await Dcopy.WaitForTargetAsync(copy, target.Endpoint, report.Total / 4, seconds: 90);
            copy.Kill();
            await copy.WaitForExitAsync();
        }
        var atKill = await KeyCounter.DbSizeAsync(target.Endpoint);
        Assert.InRange(atKill, report.Total / 4, report.Total - 1);
        var status = await Dcopy.RunAsync("status", "crash", "--state-dir", state, "--json");
        var committed = status.Json.GetProperty("keysCopied").GetInt64();
        Assert.InRange(committed, 1, atKill);
        var restoresAtKill = await target.SucceededCallsAsync("restore");

        var resumed = await Dcopy.RunAsync("resume", "crash", "--state-dir", state, "--json", "--progress", "none");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal("completed", resumed.Json.GetProperty("phase").GetString());
        // counted once each over both runs: keys the killed run wrote past its checkpoint are the resume's, and re-copied
        Assert.Equal(report.Total, resumed.Json.GetProperty("keysCopied").GetInt64());
        Assert.InRange(resumed.Json.GetProperty("keysRecopied").GetInt64(), 0, report.Total - committed);
        // the resume wrote every key the target lacked and no more than the keys of the slots not committed at the kill
        // (plus the one RESTORE a master with which the target is probed, and one batch a worker in flight): a copy
        // started over would write the committed keys again
        var restored = await target.SucceededCallsAsync("restore") - restoresAtKill;
        Assert.True(restored >= report.Total - atKill && restored <= report.Total - committed + 3 + 2 * 20,
            $"{restored:N0} RESTOREs on resume; {report.Total:N0} keys, {atKill:N0} on the target at the kill, {committed:N0} committed");

        var verify = await Dcopy.RunAsync("verify", "--source", Dcopy.Address(source), "--target", Dcopy.Address(target), "--json", "--progress", "none", "--state-dir", state);
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Equal(report.Total, verify.Json.GetProperty("verify").GetProperty("compared").GetInt64());
        Assert.Equal(0, verify.Json.GetProperty("verify").GetProperty("missing").GetInt64());
        Assert.Equal(0, verify.Json.GetProperty("verify").GetProperty("valueMismatch").GetInt64());
        // and the oracle's own look, not only dcopy's
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    [RedisFact]
    public async Task AStandaloneCopyKilledMidScanCountsEachKeyOnceOverItsResume()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        var report = await new StandardDataSet(0.02).LoadAsync(source.Endpoint);
        var state = Dcopy.StateDir();

        // four pipelines of small batches at a held rate: batches past the committed SCAN cursor are written when it is killed
        using (var copy = Dcopy.Start("copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--job-id", "scankill", "--state-dir", state,
            "--batch-size", "50", "--pipelines", "4", "--max-rate", "4000", "--progress", "none"))
        {
            await Dcopy.WaitForTargetAsync(copy, target.Endpoint, report.Total / 2);
            copy.Kill();
            await copy.WaitForExitAsync();
        }
        var atKill = await KeyCounter.DbSizeAsync(target.Endpoint);
        var restoresAtKill = await target.SucceededCallsAsync("restore");

        var resumed = await Dcopy.RunAsync("resume", "scankill", "--state-dir", state, "--json", "--progress", "none");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        // every key once in keysCopied; the ones written both before the kill and by the resume counted apart, and no more
        // than the resume wrote of what was on the target already
        Assert.Equal(report.Total, resumed.Json.GetProperty("keysCopied").GetInt64());
        var again = resumed.Json.GetProperty("keysRecopied").GetInt64();
        var restored = await target.SucceededCallsAsync("restore") - restoresAtKill;
        Assert.True(again <= restored - (report.Total - atKill), $"{again:N0} re-copied; {restored:N0} RESTOREs on resume, {atKill:N0} of {report.Total:N0} on the target at the kill");
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    [RedisFact]
    public async Task AStandaloneSourceRestartedDuringTheCopyAndBeforeItsResumeCountsEachKeyOnce()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        var report = await new StandardDataSet(0.02).LoadAsync(source.Endpoint);
        var state = Dcopy.StateDir();

        using (var copy = Dcopy.Start("copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--job-id", "restarted", "--state-dir", state,
            "--batch-size", "50", "--pipelines", "4", "--max-rate", "4000", "--progress", "none"))
        {
            // a restart during the lease: its SCAN cursor means nothing to the new process, the scan starts over
            await Dcopy.WaitForTargetAsync(copy, target.Endpoint, report.Total / 3);
            await source.RestartAsync();
            await Dcopy.WaitForTargetAsync(copy, target.Endpoint, report.Total * 3 / 4);
            copy.Kill();
            await copy.WaitForExitAsync();
        }
        var status = await Dcopy.RunAsync("status", "restarted", "--state-dir", state, "--json");
        Assert.Contains(status.Json.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("run_id changed", StringComparison.Ordinal));
        Assert.InRange(status.Json.GetProperty("keysCopied").GetInt64(), 0, report.Total);
        // and a restart between the kill and the resume: the committed cursor belongs to the old process
        await source.RestartAsync();

        var resumed = await Dcopy.RunAsync("resume", "restarted", "--state-dir", state, "--json", "--progress", "none");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        // each key once in keysCopied, from the scan that finished; every key written before it counted as written again
        Assert.Equal(report.Total, resumed.Json.GetProperty("keysCopied").GetInt64());
        Assert.InRange(resumed.Json.GetProperty("keysRecopied").GetInt64(), report.Total * 3 / 4, 2 * report.Total);
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
    }
}
