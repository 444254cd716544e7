using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>Big keys end to end: a copy killed in the middle of one resumes to exactly the source's value; plan says what goes which way.</summary>
public sealed class BigKeyCliTests
{
    /// <summary>The length of the temporary list dcopy is filling on the target, or -1 while there is none.</summary>
    private const string TempLength = "local k = redis.call('KEYS', 'dcopy:chunk:*') if #k == 0 then return -1 end return redis.call('LLEN', k[1])";

    [RedisFact]
    public async Task ACopyKilledInTheMiddleOfABigListResumesAndLeavesExactlyTheSourcesList()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await BigKeys.ListAsync(source.Endpoint, "big:list", 200_000, 1000);
        await source.ExecuteAsync("PEXPIRE", "big:list", "3600000");
        var report = await new StandardDataSet(0.002).LoadAsync(source.Endpoint);
        var state = Dcopy.StateDir();
        // the target behind a proxy that delays each chunk's round trip: 200 chunks of 1 MB take seconds, so the kill lands
        // mid-list however fast the copier is (the resume goes through it too, undelayed)
        await using var proxy = FaultProxy.Start(target.Port);
        proxy.Delay = TimeSpan.FromMilliseconds(10);

        using (var copy = Dcopy.Start("copy", "--source", source.Endpoint.Address, "--target", $"127.0.0.1:{proxy.Port}", "--job-id", "bigkill", "--state-dir", state,
            "--big-key-size", "1MB", "--progress", "none"))
        {
            var deadline = DateTime.UtcNow.AddSeconds(90);
            long length;
            while ((length = long.Parse(await target.ExecuteAsync("EVAL", TempLength, "0"), System.Globalization.CultureInfo.InvariantCulture)) < 20_000
                && DateTime.UtcNow < deadline && !copy.HasExited)
            {
                await Task.Delay(10);
            }
            Assert.False(copy.HasExited, "the copy ended before it could be killed");
            copy.Kill();
            await copy.WaitForExitAsync();
            Assert.InRange(length, 20_000, 199_999);
        }
        // never half a key under its own name: the list is only in its temporary key
        Assert.Equal("0", await target.ExecuteAsync("EXISTS", "big:list"));
        proxy.Delay = TimeSpan.Zero;

        var resumed = await Dcopy.RunAsync("resume", "bigkill", "--state-dir", state, "--json", "--progress", "none");

        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.ToString());
        Assert.Equal(1, resumed.Json.GetProperty("keysChunked").GetInt64());
        Assert.Equal(await BigKeys.DigestAsync(source.Endpoint, "big:list"), await BigKeys.DigestAsync(target.Endpoint, "big:list"));
        Assert.Equal("-1", await target.ExecuteAsync("EVAL", TempLength, "0"));
        Assert.Equal(report.Total + 1, await KeyCounter.DbSizeAsync(target.Endpoint));
        var verify = await Dcopy.RunAsync("verify", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--big-key-size", "1MB", "--json",
            "--progress", "none", "--state-dir", state);
        Assert.True(verify.ExitCode == ExitCodes.Success, verify.ToString());
        Assert.Equal(report.Total + 1, verify.Json.GetProperty("verify").GetProperty("compared").GetInt64());
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    [GarnetFact]
    public async Task PlanAgainstGarnetSaysPerTypeWhatGoesByTypeAndWhichKeysGoInChunks()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await GarnetServer.StartAsync();
        // fewer keys than the plan samples on a master (1,000), so the big one is among them
        await new StandardDataSet(0.0005).LoadAsync(source.Endpoint);
        await BigKeys.ListAsync(source.Endpoint, "big:list", 3000, 1000);

        var plan = await Dcopy.RunAsync("plan", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--big-key-size", "1MB", "--json");

        Assert.True(plan.ExitCode == ExitCodes.Success, plan.ToString());
        foreach (var type in new[] { "string", "hash", "list", "set", "zset" })
        {
            Assert.Contains($"          {type}: by type (RESTORE of an RDB 10 payload refused: ERR wrong number of arguments for 'RESTORE' command)", plan.Stderr, StringComparison.Ordinal);
        }
        Assert.Contains("big     keys above 1 MB (MEMORY USAGE) go by type in chunks", plan.Stderr, StringComparison.Ordinal);
        Assert.Equal(1024 * 1024, plan.Json.GetProperty("bigKeyBytes").GetInt64());
        Assert.Equal(1, plan.Json.GetProperty("bigKeysSampled").GetInt32());
        Assert.All(plan.Json.GetProperty("types").EnumerateArray(), t => Assert.False(t.GetProperty("restores").GetBoolean()));
        await using var connection = await RespConnection.ConnectAsync(target.Endpoint);
        Assert.Equal(0, await connection.ExecuteIntegerAsync("DBSIZE"));
    }
}
