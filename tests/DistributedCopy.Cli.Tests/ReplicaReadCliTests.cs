using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>`--read-from replica` as an operator uses it: plan shows the replicas, copy reads only them, no replica is bad input.</summary>
public sealed class ReplicaReadCliTests
{
    [RedisFact]
    public async Task PlanNamesTheReplicasAndACopyReadFromThemLeavesTheMastersUnreadAndTheTargetIdentical()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        var masters = await source.MastersAsync();
        foreach (var master in masters)
        {
            // the replicas hold the whole data set before it is read from them
            Assert.Equal("1", await master.ExecuteAsync("WAIT", "1", "10000"));
        }

        var plan = await Dcopy.RunAsync("plan", "--source", Dcopy.Address(source), "--target", Dcopy.Address(target), "--read-from", "replica", "--json");
        Assert.True(plan.ExitCode == ExitCodes.Success, plan.ToString());
        Assert.Equal("replica", plan.Json.GetProperty("readFrom").GetString());
        var line = plan.Stderr.Split('\n').Single(l => l.StartsWith("read    from replicas: ", StringComparison.Ordinal));
        Assert.Equal(3, line.Split(" (of ").Length - 1);
        Assert.All(masters, m => Assert.Contains($"(of {m.Endpoint.Address})", line, StringComparison.Ordinal));

        foreach (var node in source.Nodes)
        {
            await node.ExecuteAsync("CONFIG", "RESETSTAT");
        }
        var copy = await Dcopy.RunAsync("copy", "--source", Dcopy.Address(source), "--target", Dcopy.Address(target), "--read-from", "replica", "--state-dir", Dcopy.StateDir(), "--progress", "none", "--json");
        Assert.True(copy.ExitCode == ExitCodes.Success, copy.ToString());
        Assert.Equal(report.Total, copy.Json.GetProperty("keysCopied").GetInt64());
        // counted before the comparison, which reads the masters
        foreach (var master in masters)
        {
            Assert.DoesNotContain("cmdstat_dump:", await master.ExecuteAsync("INFO", "commandstats"), StringComparison.Ordinal);
        }
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 50);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    [RedisFact]
    public async Task ASourceWithoutAReplicaIsBadInputAndNothingIsWritten()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await source.ExecuteAsync("SET", "k", "v");

        var result = await Dcopy.RunAsync("copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--read-from", "replica", "--state-dir", Dcopy.StateDir(), "--progress", "none");

        Assert.True(result.ExitCode == ExitCodes.BadInput, result.ToString());
        Assert.Contains($"source: --read-from replica: {source.Endpoint.Address} has no replica online to read from", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("0", await target.ExecuteAsync("DBSIZE"));
    }
}
