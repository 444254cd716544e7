using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>dcopy meeting faults as an operator would: each ends in an exit code by name and a comparison of both sides.</summary>
public sealed class FaultTests
{
    [RedisFact]
    public async Task AFullTargetPausesTheJobExitsWithJobFailedSayingWhyAndResumeFinishesOnceMemoryIsFreed()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = ["maxmemory 4mb", "maxmemory-policy noeviction"] });
        var report = await new StandardDataSet(0.05).LoadAsync(source.Endpoint);
        var state = Dcopy.StateDir();

        // the estimate is above the target's free memory: started anyway (--allow-over-memory), the job meets the full target
        var full = await Dcopy.RunAsync("copy", "--source", Dcopy.Address(source), "--target", target.Endpoint.Address, "--job-id", "oom",
            "--state-dir", state, "--json", "--progress", "log", "--allow-over-memory");

        Assert.True(full.ExitCode == ExitCodes.JobFailed, full.ToString());
        Assert.Equal("paused", full.Json.GetProperty("phase").GetString());
        Assert.Contains("out of memory", full.Stderr, StringComparison.Ordinal);
        Assert.Contains("maxmemory", full.Stderr, StringComparison.Ordinal);
        Assert.Contains("dcopy resume oom", full.Stderr, StringComparison.Ordinal);

        await target.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
        var resumed = await Dcopy.RunAsync("resume", "oom", "--state-dir", state, "--json", "--progress", "none");
        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.ToString());
        Assert.Equal(report.Total, await KeyCounter.DbSizeAsync(target.Endpoint));
        Assert.Equal(report.Total, resumed.Json.GetProperty("keysCopied").GetInt64());
        var compared = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 5);
        Assert.True(compared.Identical, compared.ToString());
    }

    [RedisFact]
    public async Task ASourceUriEndingInSlashZeroCopiesDatabaseZeroOnly()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await new StandardDataSet(0.002).LoadAsync(source.Endpoint);
        var inOne = await new StandardDataSet(0.002) { Prefix = "one:" }.LoadAsync(source.Endpoint with { Database = 1 });
        await using (var connection = await Core.Resp.RespConnection.ConnectAsync(target.Endpoint with { Database = 1 }))
        {
            await connection.ExecuteAsync("SET", "one:string:00000000", "the target's own");
        }

        var result = await Dcopy.RunAsync("copy", "--source", $"redis://{source.Endpoint.Address}/0", "--target", target.Endpoint.Address,
            "--state-dir", Dcopy.StateDir(), "--json", "--progress", "none");

        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        var compared = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(compared.Identical, compared.ToString());
        // database 1 of the target is as it was: one key of its own, none of the source's
        Assert.True(inOne.Total > 1);
        Assert.Equal(1, await KeyCounter.DbSizeAsync(target.Endpoint with { Database = 1 }));
        await using var check = await Core.Resp.RespConnection.ConnectAsync(target.Endpoint with { Database = 1 });
        Assert.Equal("the target's own", await check.ExecuteStringAsync("GET", "one:string:00000000"));
    }

    [RedisFact]
    public async Task TheSameServerUnderTwoNamesIsRefusedBeforeAnythingIsWritten()
    {
        await using var server = await RedisServer.StartAsync();
        await using var cluster = await RedisCluster.StartAsync(masters: 3);
        await server.ExecuteAsync("SET", "k", "v");

        var standalone = await Dcopy.RunAsync("copy", "--source", $"localhost:{server.Port}", "--target", $"127.0.0.1:{server.Port}", "--state-dir", Dcopy.StateDir());
        var clustered = await Dcopy.RunAsync("copy", "--source", $"localhost:{cluster.Nodes[0].Port}", "--target", $"127.0.0.1:{cluster.Nodes[1].Port}", "--state-dir", Dcopy.StateDir());
        var otherDatabase = await Dcopy.RunAsync("copy", "--source", $"redis://localhost:{server.Port}/0", "--target", $"redis://127.0.0.1:{server.Port}/1",
            "--state-dir", Dcopy.StateDir(), "--progress", "none");

        Assert.True(standalone.ExitCode == ExitCodes.BadInput, standalone.ToString());
        Assert.Contains("same server", standalone.Stderr, StringComparison.Ordinal);
        Assert.True(clustered.ExitCode == ExitCodes.BadInput, clustered.ToString());
        Assert.Contains("same cluster", clustered.Stderr, StringComparison.Ordinal);
        // one database into another of the same server is a copy, not a copy onto itself
        Assert.True(otherDatabase.ExitCode == ExitCodes.Success, otherDatabase.ToString());
        Assert.Equal(1, await KeyCounter.DbSizeAsync(server.Endpoint with { Database = 1 }));
    }

    [RedisFact]
    public async Task ASeedThatDoesNotAnswerIsPassedOverForTheNextOne()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.01).LoadAsync(source.Endpoint);
        var dead = PortAllocator.Next();

        var result = await Dcopy.RunAsync("copy", "--source", $"127.0.0.1:{dead},{Dcopy.Address(source)}", "--target", Dcopy.Address(target),
            "--state-dir", Dcopy.StateDir(), "--json", "--progress", "none");

        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Equal(report.Total, result.Json.GetProperty("keysCopied").GetInt64());
        var compared = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 5);
        Assert.True(compared.Identical, compared.ToString());
    }

    [RedisFact]
    public async Task AStalledTargetPausesTheJobWithinTheRetryBudgetExitsJobFailedAndResumeCompletesTheCopy()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisServer.StartAsync();
        await using var proxy = FaultProxy.Start(target.Port);
        var report = await new StandardDataSet(0.05).LoadAsync(source.Endpoint);
        var state = Dcopy.StateDir();

        using var copy = Dcopy.Start("copy", "--source", Dcopy.Address(source), "--target", $"127.0.0.1:{proxy.Port}", "--job-id", "stall", "--state-dir", state,
            "--timeout", "1", "--retry-budget", "4", "--batch-size", "50", "--pipelines", "1", "--json", "--progress", "log", "--interval", "1");
        var stdout = copy.StandardOutput.ReadToEndAsync();
        var stderr = copy.StandardError.ReadToEndAsync();
        await Dcopy.WaitForTargetAsync(copy, target.Endpoint, report.Total / 5, seconds: 90);
        proxy.Mode = FaultMode.Stall;
        var stalledAt = DateTime.UtcNow;
        await copy.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token);
        var stalled = new DcopyResult(copy.ExitCode, await stdout, await stderr);

        Assert.True(stalled.ExitCode == ExitCodes.JobFailed, stalled.ToString());
        Assert.InRange((DateTime.UtcNow - stalledAt).TotalSeconds, 1, 45);
        Assert.Equal("paused", stalled.Json.GetProperty("phase").GetString());
        Assert.Contains("within 1 s", stalled.Stderr, StringComparison.Ordinal);
        Assert.Contains("dcopy resume stall", stalled.Stderr, StringComparison.Ordinal);

        proxy.Mode = FaultMode.Forward;
        var resumed = await Dcopy.RunAsync("resume", "stall", "--state-dir", state, "--json", "--progress", "none");
        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.ToString());
        var compared = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 5);
        Assert.True(compared.Identical, compared.ToString());
    }
}
