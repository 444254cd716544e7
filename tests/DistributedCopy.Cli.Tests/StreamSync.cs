using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>What the `dcopy sync --capture replication` tests ask of the servers and of dcopy (job "stream").</summary>
internal static class StreamSync
{
    /// <summary>`dcopy sync --capture replication` as job "stream", reporting every 0.5 s.</summary>
    public static string[] SyncArgs(string source, string target, string state, string progress = "none") =>
        ["sync", "--source", source, "--target", target, "--capture", "replication", "--job-id", "stream", "--state-dir", state, "--interval", "0.5", "--progress", progress];

    public static async Task<RedisServer> ReplicaAsync(RedisCluster cluster)
    {
        foreach (var node in cluster.Nodes)
        {
            if ((await node.ExecuteAsync("INFO", "replication")).Contains("role:slave", StringComparison.Ordinal))
            {
                return node;
            }
        }
        throw new InvalidOperationException("no replica");
    }

    /// <summary>The master serving <paramref name="tag"/>'s slot.</summary>
    public static async Task<RedisServer> OwnerAsync(IReadOnlyList<RedisServer> masters, string tag)
    {
        foreach (var master in masters)
        {
            // a node answers a key of a slot it does not serve with MOVED
            try
            {
                await master.ExecuteAsync("EXISTS", tag);
                return master;
            }
            catch (Exception ex) when (ex.Message.Contains("MOVED", StringComparison.Ordinal))
            {
                // another master's slot
            }
        }
        throw new InvalidOperationException($"no master serves {tag}");
    }

    public static Task WaitForLiveAsync(string state, System.Diagnostics.Process sync) => Eventually.HoldsAsync(async () =>
    {
        Assert.False(sync.HasExited, $"the sync stopped (exit {(sync.HasExited ? sync.ExitCode : 0)})");
        var status = await Dcopy.RunAsync("status", "stream", "--state-dir", state, "--json");
        return status.ExitCode == ExitCodes.Success && status.Stderr.Contains("sync stream: live", StringComparison.Ordinal);
    }, "`dcopy status` saying the sync is live", TimeSpan.FromSeconds(90), every: TimeSpan.FromMilliseconds(300));

    public static async Task<(long Full, long Partial)> StatsAsync(RedisServer server)
    {
        var info = await server.ExecuteAsync("INFO", "stats");
        long Field(string name) => long.Parse(info.Split('\n').First(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return (Field("sync_full"), Field("sync_partial_ok"));
    }

    /// <summary>`dcopy cutover stream --pause-writes --hold 30`, which must pass; then the sync's own dcopy must end with 0.</summary>
    public static async Task<DcopyResult> CutOverAsync(string state, System.Diagnostics.Process sync)
    {
        var cutover = await Dcopy.RunAsync("cutover", "stream", "--pause-writes", "--hold", "30", "--timeout", "60", "--state-dir", state, "--json");
        Assert.True(cutover.ExitCode == ExitCodes.Success, cutover.ToString());
        Assert.Contains("target in sync at", cutover.Stderr, StringComparison.Ordinal);
        await sync.WaitForExitAsync();
        Assert.Equal(ExitCodes.Success, sync.ExitCode);
        return cutover;
    }

    /// <summary>The independent comparison after a cutover: every key, value and expiry (2 s apart at most), 100 of each type by value.</summary>
    public static async Task<CompareResult> AssertIdenticalAsync(RedisEndpoint source, RedisEndpoint target)
    {
        var comparison = await DataComparer.CompareAsync(source, target, ttlToleranceMs: 2000, typedSamplePerType: 100);
        Assert.True(comparison.Identical, comparison.ToString());
        return comparison;
    }

    /// <summary>Whatever happened: the source's masters unpaused (the cutover held them), the sync's dcopy stopped.</summary>
    public static async Task EndAsync(RedisCluster source, System.Diagnostics.Process sync)
    {
        foreach (var master in await source.MastersAsync())
        {
            await master.ExecuteAsync("CLIENT", "UNPAUSE");
        }
        if (!sync.HasExited)
        {
            sync.Kill();
        }
    }
}
