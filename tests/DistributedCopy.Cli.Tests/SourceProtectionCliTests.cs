using DistributedCopy.Testing;
using StackExchange.Redis;

namespace DistributedCopy.Cli.Tests;

/// <summary>
/// Protecting the source: --max-source-latency holds the copy back while the source answers slowly (a delaying proxy in
/// front of it, so its PINGs take longer than the target latency) and does not while it answers in time; --max-rate caps the
/// keys per second. Each copy ends identical to the source, TTLs included.
/// </summary>
public sealed class SourceProtectionCliTests
{
    private const int Keys = 3000;

    [RedisFact]
    public async Task AnAdaptiveRateHoldsTheCopyBackWhileTheSourceAnswersSlowerThanItsTargetIdentical()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await LoadAsync(source);
        // every PING through the proxy takes at least 2 × 4 ms: above the 3 ms the job allows
        await using var proxy = FaultProxy.Start(source.Port);
        proxy.Delay = TimeSpan.FromMilliseconds(4);
        var state = Dcopy.StateDir();

        var readings = await CopyWatchingAsync(state, "adaptive", $"127.0.0.1:{proxy.Port}", target, "--max-source-latency", "3");

        Assert.Contains(readings, r => r.HeldAt > 0);
        // held at a rate it measured, never below the floor, and only on the evidence of a latency above the target
        Assert.All(readings.Where(r => r.HeldAt > 0), r => Assert.InRange(r.HeldAt, Core.CopyOptions.AdaptiveFloorKeysPerSecond, 100_000));
        Assert.All(readings, r => Assert.True(r.LatencyMs >= 3, $"a probe through an 8 ms round trip read {r.LatencyMs} ms"));
        await AssertIdenticalAsync(source, target);
    }

    [RedisFact]
    public async Task AnAdaptiveRateDoesNotHoldTheCopyBackWhileTheSourceAnswersInTimeAndMaxRateCapsItIdentical()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await LoadAsync(source);
        var state = Dcopy.StateDir();
        var started = DateTime.UtcNow;

        // 3,000 keys at 600 keys/s: about 4 s (the limiter allows a second's worth at once)
        var readings = await CopyWatchingAsync(state, "steady", source.Endpoint.Address, target, "--max-source-latency", "500", "--max-rate", "600");

        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(3.5), $"3,000 keys at --max-rate 600 took {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        Assert.NotEmpty(readings);
        Assert.All(readings, r => Assert.True(r.HeldAt == 0, $"held at {r.HeldAt} keys/s while the source answered in {r.LatencyMs} ms"));
        await AssertIdenticalAsync(source, target);
    }

    [RedisFact]
    public async Task PlanShowsTheAdaptiveRateAndAnImpossibleLatencyIsRefusedBeforeAnythingIsWritten()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await LoadAsync(source);

        var plan = await Dcopy.RunAsync("plan", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--max-source-latency", "2.5", "--max-rate", "5000", "--json");
        Assert.True(plan.ExitCode == ExitCodes.Success, plan.ToString());
        Assert.Equal(2.5, plan.Json.GetProperty("maxSourceLatencyMs").GetDouble());
        Assert.Contains("adaptive: the workers slow down while a source node takes over 2.5 ms to answer a PING", plan.Stderr, StringComparison.Ordinal);

        var refused = await Dcopy.RunAsync("copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--state-dir", Dcopy.StateDir(), "--max-source-latency", "0.01");
        Assert.Equal(ExitCodes.BadInput, refused.ExitCode);
        Assert.Contains("--max-source-latency takes milliseconds", refused.Stderr, StringComparison.Ordinal);
        Assert.Single(refused.Stderr.Trim().Split('\n'));
        Assert.Equal(0, await KeyCounter.DbSizeAsync(target.Endpoint));
    }

    /// <summary>Runs the copy to its end, reading its status every half second; the adaptive rate's readings seen on the way.</summary>
    private static async Task<List<(double LatencyMs, int HeldAt)>> CopyWatchingAsync(string state, string job, string source, RedisServer target, params string[] extra)
    {
        var readings = new List<(double LatencyMs, int HeldAt)>();
        using var copy = Dcopy.Start(["copy", "--source", source, "--target", target.Endpoint.Address, "--job-id", job, "--state-dir", state,
            "--batch-size", "20", "--pipelines", "1", "--progress", "none", .. extra]);
        var output = copy.StandardOutput.ReadToEndAsync();
        var errors = copy.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!copy.HasExited)
        {
            Assert.True(DateTime.UtcNow < deadline, "the copy did not end within 120 s");
            await Task.Delay(500);
            var status = await Dcopy.RunAsync("status", job, "--state-dir", state, "--json");
            if (status.ExitCode == ExitCodes.Success && status.Stdout.Length > 0 && status.Json.TryGetProperty("guard", out var guard) && guard.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                readings.Add((guard.GetProperty("latencyMs").GetDouble(), guard.GetProperty("heldAtKeysPerSecond").GetInt32()));
            }
        }
        await copy.WaitForExitAsync();
        Assert.True(copy.ExitCode == ExitCodes.Success, $"the copy exited {copy.ExitCode}: {await output} {await errors}");
        return readings;
    }

    private static async Task LoadAsync(RedisServer server)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(server.Endpoint));
        var db = redis.GetDatabase();
        await Task.WhenAll(Enumerable.Range(0, Keys).Select(i => i % 10 == 0 ? db.StringSetAsync($"guard:{i}", $"value-{i}", TimeSpan.FromHours(1)) : db.StringSetAsync($"guard:{i}", $"value-{i}")));
    }

    private static async Task AssertIdenticalAsync(RedisServer source, RedisServer target)
    {
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.Equal(Keys, comparison.SourceKeys);
    }
}
