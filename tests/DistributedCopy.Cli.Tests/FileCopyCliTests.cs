using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>`dcopy copy --source rdb:PATH`: a file Redis wrote, loaded database by database; a missing file is bad input.</summary>
public sealed class FileCopyCliTests
{
    [RedisFact]
    public async Task AnRdbFileIsLoadedIntoAClusterAndItsOtherDatabaseIntoAServer()
    {
        await using var source = await RedisServer.StartAsync();
        var report = await new StandardDataSet(0.002).LoadAsync(source.Endpoint);
        var db3 = await new StandardDataSet(0.001) { Prefix = "db3:" }.LoadAsync(source.Endpoint with { Database = 3 });
        var file = await source.SaveToFileAsync();
        await using var cluster = await RedisCluster.StartAsync(masters: 3);
        await using var server = await RedisServer.StartAsync();

        var plan = await Dcopy.RunAsync("plan", "--source", "rdb:" + file, "--target", Dcopy.Address(cluster), "--json");
        Assert.True(plan.ExitCode == ExitCodes.Success, plan.ToString());
        Assert.Contains($"by database: 0: {report.Total:N0}, 3: ", plan.Stderr, StringComparison.Ordinal);
        Assert.Equal(10, plan.Json.GetProperty("rdbVersion").GetInt32());
        Assert.Equal(report.StringsWithTtl + db3.StringsWithTtl, plan.Json.GetProperty("expiring").GetInt64());
        Assert.Equal("0", await cluster.Nodes[0].ExecuteAsync("DBSIZE"));

        var toCluster = await Dcopy.RunAsync("copy", "--state-dir", Dcopy.StateDir(), "--source", "rdb:" + file, "--target", Dcopy.Address(cluster), "--json", "--progress", "none");
        Assert.True(toCluster.ExitCode == ExitCodes.Success, toCluster.ToString());
        Assert.Equal(report.Total, toCluster.Json.GetProperty("keysCopied").GetInt64());
        Assert.Contains(": database 3 holds", toCluster.Stderr, StringComparison.Ordinal);
        var first = await DataComparer.CompareAsync(source.Endpoint, cluster.Endpoint, ttlToleranceMs: 2000);
        Assert.True(first.Identical, first.ToString());

        var toServer = await Dcopy.RunAsync("copy", "--state-dir", Dcopy.StateDir(), "--source", "rdb:" + file, "--target", "redis://" + server.Endpoint.Address + "/3", "--db", "3", "--json", "--progress", "none");
        Assert.True(toServer.ExitCode == ExitCodes.Success, toServer.ToString());
        var third = await DataComparer.CompareAsync(source.Endpoint with { Database = 3, NamesDatabase = true }, server.Endpoint with { Database = 3, NamesDatabase = true }, ttlToleranceMs: 2000);
        Assert.True(third.Identical, third.ToString());

        var missing = await Dcopy.RunAsync("copy", "--source", "rdb:/nonexistent/dump.rdb", "--target", server.Endpoint.Address);
        Assert.True(missing.ExitCode == ExitCodes.BadInput, missing.ToString());
        Assert.Contains("there is no file /nonexistent/dump.rdb", missing.Stderr, StringComparison.Ordinal);
    }
}
