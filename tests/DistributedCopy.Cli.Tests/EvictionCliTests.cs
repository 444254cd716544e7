using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>
/// A target that drops keys to make room takes every write and says nothing: refused before anything is written, and with
/// --allow-eviction the job pauses at the first eviction; resumed on a target that no longer evicts, every slot is copied
/// again and the target is identical.
/// </summary>
public sealed class EvictionCliTests
{
    [RedisFact]
    public async Task ATargetThatEvictsIsRefusedUnlessAllowedThenPausedAtTheFirstEvictionAndResumedIdentical()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = ["maxmemory 10mb", "maxmemory-policy allkeys-lru"] });
        await LoadValuesAsync(source, 30_000, 1024);
        var state = Dcopy.StateDir();
        string[] copy = ["copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--state-dir", state, "--progress", "none", "--json"];

        var plan = await Dcopy.RunAsync("plan", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--json");
        Assert.True(plan.ExitCode == ExitCodes.Success, plan.ToString());
        Assert.Contains($"memory  {target.Endpoint.Address}: maxmemory 10.5 MB, maxmemory-policy allkeys-lru", plan.Stderr, StringComparison.Ordinal);
        Assert.Contains("evicts when full: refused unless --allow-eviction", plan.Stderr, StringComparison.Ordinal);
        Assert.True(plan.Json.GetProperty("targetMemory")[0].GetProperty("evicts").GetBoolean(), plan.ToString());

        var refused = await Dcopy.RunAsync([.. copy, "--job-id", "refused"]);
        Assert.True(refused.ExitCode == ExitCodes.BadInput, refused.ToString());
        Assert.Contains($"the target {target.Endpoint.Address} evicts keys when full (maxmemory 10.5 MB, maxmemory-policy allkeys-lru", refused.Stderr, StringComparison.Ordinal);
        await target.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "volatile-lru");
        var volatileLru = await Dcopy.RunAsync([.. copy, "--job-id", "refused-too"]);
        Assert.True(volatileLru.ExitCode == ExitCodes.BadInput, volatileLru.ToString());
        Assert.Contains("maxmemory-policy volatile-lru", volatileLru.Stderr, StringComparison.Ordinal);
        await target.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "noeviction");
        var tooBig = await Dcopy.RunAsync([.. copy, "--job-id", "too-big"]);
        Assert.True(tooBig.ExitCode == ExitCodes.BadInput, tooBig.ToString());
        Assert.Contains("would be written there", tooBig.Stderr, StringComparison.Ordinal);
        Assert.Equal("0", await target.ExecuteAsync("DBSIZE"));

        // allowed to start: the first eviction pauses the job, naming the node, the count and the policy
        await target.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
        var paused = await Dcopy.RunAsync([.. copy, "--job-id", "evicting", "--allow-eviction", "--allow-over-memory"]);
        Assert.True(paused.ExitCode == ExitCodes.JobFailed, paused.ToString());
        Assert.Equal("paused", paused.Json.GetProperty("phase").GetString());
        Assert.Contains($"the target evicts keys: {target.Endpoint.Address} evicted", paused.Stderr, StringComparison.Ordinal);
        Assert.Contains("maxmemory-policy allkeys-lru", paused.Stderr, StringComparison.Ordinal);
        Assert.NotEqual("0", Field(await target.ExecuteAsync("INFO", "stats"), "evicted_keys"));

        // the target made big enough and no longer evicting: resumed, every slot is copied again
        await target.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
        await target.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "noeviction");
        var resumed = await Dcopy.RunAsync("resume", "evicting", "--state-dir", state, "--progress", "none", "--json");
        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.ToString());
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.Equal(30_000, comparison.SourceKeys);
    }

    [RedisFact]
    public async Task AVolatileLruTargetTakingKeysWithTtlsPausesTheCopyAtTheFirstEvictionAndResumesIdentical()
    {
        // the managed services' default: only keys with a TTL are evicted, which is what a cache's keys mostly have
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = ["maxmemory 10mb", "maxmemory-policy volatile-lru"] });
        await LoadValuesAsync(source, 30_000, 1024, expiring: true);
        var state = Dcopy.StateDir();

        var paused = await Dcopy.RunAsync("copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--state-dir", state, "--progress", "none", "--json",
            "--job-id", "volatile", "--allow-eviction", "--allow-over-memory");
        Assert.True(paused.ExitCode == ExitCodes.JobFailed, paused.ToString());
        Assert.Equal("paused", paused.Json.GetProperty("phase").GetString());
        Assert.Contains($"the target evicts keys: {target.Endpoint.Address} evicted", paused.Stderr, StringComparison.Ordinal);
        Assert.Contains("maxmemory-policy volatile-lru", paused.Stderr, StringComparison.Ordinal);

        await target.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
        var resumed = await Dcopy.RunAsync("resume", "volatile", "--state-dir", state, "--progress", "none", "--json");
        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.ToString());
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, ttlToleranceMs: 5000);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.Equal(30_000, comparison.SourceKeys);
    }

    [RedisFact]
    public async Task AVerifyReportsTheKeysTheTargetEvictedAndTheKeysMissing()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await LoadValuesAsync(source, 2000, 1024);
        string[] sides = ["--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--state-dir", Dcopy.StateDir(), "--progress", "none", "--json"];
        var copied = await Dcopy.RunAsync(["copy", .. sides]);
        Assert.True(copied.ExitCode == ExitCodes.Success, copied.ToString());

        // after the copy the target is made to evict: filled past a maxmemory just above what it uses
        var used = long.Parse(Field(await target.ExecuteAsync("INFO", "memory"), "used_memory"), System.Globalization.CultureInfo.InvariantCulture);
        await target.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "allkeys-lru");
        await target.ExecuteAsync("CONFIG", "SET", "maxmemory", (used + 512 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
        for (var i = 0; i < 3000; i++)
        {
            await target.ExecuteAsync("SET", $"filler:{i}", new string('f', 1024));
        }
        var evicted = long.Parse(Field(await target.ExecuteAsync("INFO", "stats"), "evicted_keys"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(evicted > 0);
        // no more evictions while the verify reads (its own buffers count toward maxmemory): the keys missing stay as counted
        await target.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");

        var verify = await Dcopy.RunAsync(["verify", .. sides]);
        Assert.True(verify.ExitCode == ExitCodes.DifferencesFound, verify.ToString());
        var report = verify.Json.GetProperty("verify");
        var missing = 2000 - long.Parse(await KeysLikeAsync(target, "value:*"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(missing, report.GetProperty("missing").GetInt64());
        Assert.True(missing > 0);
        var line = Assert.Single(report.GetProperty("evictions").EnumerateArray()).GetString()!;
        var match = System.Text.RegularExpressions.Regex.Match(line, $"^{System.Text.RegularExpressions.Regex.Escape(target.Endpoint.Address)} evicted ([0-9,]+) key\\(s\\) since it started or its stats were reset \\(.*maxmemory-policy allkeys-lru");
        Assert.True(match.Success, line);
        Assert.True(long.Parse(match.Groups[1].Value, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture) >= evicted, line);
        Assert.Contains("evicted: " + line, verify.Stderr, StringComparison.Ordinal);
    }

    private static async Task<string> KeysLikeAsync(RedisServer server, string pattern) =>
        await server.ExecuteAsync("EVAL", "return #redis.call('KEYS', ARGV[1])", "0", pattern);

    [RedisFact]
    public async Task AReadOnlyReplicaAsTargetIsRefusedAtOnceNamingItsMaster()
    {
        await using var source = await RedisServer.StartAsync();
        await using var master = await RedisServer.StartAsync();
        await using var replica = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = [$"replicaof 127.0.0.1 {master.Port}"] });
        await source.ExecuteAsync("SET", "k", "v");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var refused = await Dcopy.RunAsync("copy", "--source", source.Endpoint.Address, "--target", replica.Endpoint.Address, "--state-dir", Dcopy.StateDir(), "--progress", "none");

        Assert.True(refused.ExitCode == ExitCodes.BadInput, refused.ToString());
        Assert.Contains($"the target {replica.Endpoint.Address} is a read-only replica of 127.0.0.1:{master.Port}", refused.Stderr, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"refused after {clock.Elapsed.TotalSeconds:F0} s");
        Assert.Equal("0", await master.ExecuteAsync("DBSIZE"));
    }

    private static async Task LoadValuesAsync(RedisServer server, int keys, int bytes, bool expiring = false)
    {
        await using var connection = await server.ConnectAsync();
        var value = new string('v', bytes);
        for (var start = 0; start < keys; start += 1000)
        {
            var writer = new Core.Resp.RespWriter();
            var count = Math.Min(1000, keys - start);
            for (var i = start; i < start + count; i++)
            {
                if (expiring)
                {
                    writer.Command("SET", $"value:{i}", value, "PX", "3600000");
                }
                else
                {
                    writer.Command("SET", $"value:{i}", value);
                }
            }
            await connection.SendAsync(writer);
            for (var i = 0; i < count; i++)
            {
                await connection.ReadFrameAsync();
            }
        }
    }

    private static string Field(string info, string name) =>
        info.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..];
}
