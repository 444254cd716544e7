using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>`--mode` end to end: plan says how keys will be written, a typed copy verifies clean against the source.</summary>
public sealed class TypedModeTests
{
    [RedisFact]
    public async Task ACopyByTypeVerifiesCleanAndPlanSaysItWillWriteByType()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisServer.StartAsync();
        var report = await new StandardDataSet(0.005) { BinaryKeys = 50 }.LoadAsync(source.Endpoint);

        var plan = await Dcopy.RunAsync("plan", "--source", Dcopy.Address(source), "--target", target.Endpoint.Address, "--mode", "typed", "--json");
        Assert.True(plan.ExitCode == ExitCodes.Success, plan.ToString());
        Assert.Contains("write   by type (--mode typed)", plan.Stderr, StringComparison.Ordinal);
        Assert.Equal("typed", plan.Json.GetProperty("mode").GetString());
        Assert.Equal(0, await KeyCounter.DbSizeAsync(target.Endpoint));

        var copy = await Dcopy.RunAsync("copy", "--source", Dcopy.Address(source), "--target", target.Endpoint.Address, "--mode", "typed", "--verify", "--json",
            "--progress", "none", "--state-dir", Dcopy.StateDir());

        Assert.True(copy.ExitCode == ExitCodes.Success, copy.ToString());
        Assert.Equal(report.Total, copy.Json.GetProperty("keysCopied").GetInt64());
        Assert.Equal(report.Total, copy.Json.GetProperty("keysTyped").GetInt64());
        Assert.Equal(0, copy.Json.GetProperty("verify").GetProperty("missing").GetInt64());
        Assert.Equal(report.ByType, await KeyCounter.CountByTypeAsync(target.Endpoint));
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 100);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    [RedisFact]
    public async Task AModeThatDoesNotExistIsBadInput()
    {
        var result = await Dcopy.RunAsync("copy", "--source", "127.0.0.1:1", "--target", "127.0.0.1:2", "--mode", "sideways");

        Assert.True(result.ExitCode == ExitCodes.BadInput, result.ToString());
        Assert.Contains("sideways", result.Stderr, StringComparison.Ordinal);
    }

    [RedisFact]
    public async Task PlanProbesEachTypeOnTheTargetAndLeavesNothingBehind()
    {
        await using var source = await RedisServer.StartAsync();
        await using var open = await RedisServer.StartAsync();
        await using var locked = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = ["user copier on >Pw-Copier ~* &* +@all -restore"] });
        await new StandardDataSet(0.001).LoadAsync(source.Endpoint);

        var restores = await Dcopy.RunAsync("plan", "--source", source.Endpoint.Address, "--target", open.Endpoint.Address, "--json");
        var refuses = await Dcopy.RunAsync("plan", "--source", source.Endpoint.Address, "--target", $"127.0.0.1:{locked.Port},user=copier,password=Pw-Copier", "--json");

        Assert.True(restores.ExitCode == ExitCodes.Success, restores.ToString());
        Assert.True(refuses.ExitCode == ExitCodes.Success, refuses.ToString());
        var types = new[] { "hash", "list", "set", "stream", "string", "zset" };
        Assert.Equal(types, restores.Json.GetProperty("types").EnumerateArray().Where(t => t.GetProperty("restores").GetBoolean()).Select(t => t.GetProperty("type").GetString()));
        Assert.Equal(types, refuses.Json.GetProperty("types").EnumerateArray().Where(t => !t.GetProperty("restores").GetBoolean()).Select(t => t.GetProperty("type").GetString()));
        Assert.Contains("string: by type (RESTORE of an RDB 10 payload refused: NOPERM", refuses.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, await KeyCounter.DbSizeAsync(open.Endpoint));
        Assert.Equal(0, await KeyCounter.DbSizeAsync(locked.Endpoint));
    }

    [RedisFact]
    public async Task ATypedCopyToATargetWhoseReplicaIsFrozenDoesNotCompleteUntilTheReplicaHoldsItsWrites()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await using var replica = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = [$"replicaof 127.0.0.1 {target.Port}", "repl-timeout 120"] });
        await new StandardDataSet(0.002).LoadAsync(source.Endpoint);
        while (!(await target.ExecuteAsync("INFO", "replication")).Contains("connected_slaves:1", StringComparison.Ordinal))
        {
            await Task.Delay(100);
        }

        replica.Freeze();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var copy = Dcopy.Start("copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--mode", "typed", "--state-dir", Dcopy.StateDir(),
            "--retry-budget", "120", "--progress", "none", "--json");
        var stdout = copy.StandardOutput.ReadToEndAsync();
        var stderr = copy.StandardError.ReadToEndAsync();
        try
        {
            // typed writes wait for a replica as RESTOREs do: no "completed" while no replica holds them
            await Task.Delay(8000);
            if (copy.HasExited)
            {
                // (the message's stderr is awaited only here: read while the copy runs, it would wait for its end)
                Assert.Fail($"the copy ended while the target's replica was frozen: exit {copy.ExitCode} {await stderr}");
            }
        }
        finally
        {
            replica.Thaw();
        }
        await copy.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        Assert.True(copy.ExitCode == ExitCodes.Success, await stdout + await stderr);
        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(8));
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.Equal(await target.ExecuteAsync("DBSIZE"), await replica.ExecuteAsync("DBSIZE"));
    }
}
