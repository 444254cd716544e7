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
        Assert.Equal(report.Expiring + db3.Expiring, plan.Json.GetProperty("expiring").GetInt64());
        Assert.Equal("0", await cluster.Nodes[0].ExecuteAsync("DBSIZE"));

        var toCluster = await Dcopy.RunAsync("copy", "--state-dir", Dcopy.StateDir(), "--source", "rdb:" + file, "--target", Dcopy.Address(cluster), "--json", "--progress", "none");
        Assert.True(toCluster.ExitCode == ExitCodes.Success, toCluster.ToString());
        Assert.Equal(report.Total, toCluster.Json.GetProperty("keysCopied").GetInt64());
        // each note once, in the summary and in the JSON
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(toCluster.Stderr, ": database 3 holds"));
        Assert.Single(toCluster.Json.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains(": database 3 holds", StringComparison.Ordinal));
        var first = await DataComparer.CompareAsync(source.Endpoint, cluster.Endpoint, ttlToleranceMs: 2000);
        Assert.True(first.Identical, first.ToString());

        // verify of the file against the target: identical, then a key deleted and a value changed are found
        var verified = await Dcopy.RunAsync("verify", "--source", "rdb:" + file, "--target", Dcopy.Address(cluster), "--json");
        Assert.True(verified.ExitCode == ExitCodes.Success, verified.ToString());
        Assert.Equal(report.Total, verified.Json.GetProperty("verify").GetProperty("compared").GetInt64());
        await cluster.ExecuteOnOwnerAsync("DEL", "string:00000001");
        await cluster.ExecuteOnOwnerAsync("HSET", "hash:00000002", "extra-field", "x");
        var differs = await Dcopy.RunAsync("verify", "--source", "rdb:" + file, "--target", Dcopy.Address(cluster), "--json");
        Assert.True(differs.ExitCode == ExitCodes.DifferencesFound, differs.ToString());
        Assert.Equal(1, differs.Json.GetProperty("verify").GetProperty("missing").GetInt64());
        Assert.Equal(1, differs.Json.GetProperty("verify").GetProperty("valueMismatch").GetInt64());

        var toServer = await Dcopy.RunAsync("copy", "--state-dir", Dcopy.StateDir(), "--source", "rdb:" + file, "--target", "redis://" + server.Endpoint.Address + "/3", "--db", "3", "--verify", "--json", "--progress", "none");
        Assert.True(toServer.ExitCode == ExitCodes.Success, toServer.ToString());
        var third = await DataComparer.CompareAsync(source.Endpoint with { Database = 3, NamesDatabase = true }, server.Endpoint with { Database = 3, NamesDatabase = true }, ttlToleranceMs: 2000);
        Assert.True(third.Identical, third.ToString());

        var missing = await Dcopy.RunAsync("copy", "--source", "rdb:/nonexistent/dump.rdb", "--target", server.Endpoint.Address);
        Assert.True(missing.ExitCode == ExitCodes.BadInput, missing.ToString());
        Assert.Contains("there is no file /nonexistent/dump.rdb", missing.Stderr, StringComparison.Ordinal);
    }

    [RedisFact]
    public async Task TwoDumpsOfOneServerInAFolderAreRefusedNamingBothBeforeAnythingIsWritten()
    {
        await using var source = await RedisServer.StartAsync();
        await new StandardDataSet(0.002).LoadAsync(source.Endpoint);
        var folder = Path.Combine(Path.GetTempPath(), "dcopy-tests", "two-dumps-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(folder);
        File.Move(await source.SaveToFileAsync(), Path.Combine(folder, "a.rdb"));
        // an older and a newer dump of one server: loaded in parallel, either value could win
        for (var i = 0; i < 10; i++)
        {
            await source.ExecuteAsync("SET", $"string:{i:D8}", "changed");
        }
        File.Move(await source.SaveToFileAsync(), Path.Combine(folder, "b.rdb"));
        await using var target = await RedisCluster.StartAsync(masters: 3);

        string[] sides = ["--source", "rdb:" + folder, "--target", Dcopy.Address(target)];
        foreach (var command in new[] { (string[])["plan", .. sides], ["copy", .. sides, "--state-dir", Dcopy.StateDir(), "--progress", "none"] })
        {
            var refused = await Dcopy.RunAsync(command);
            Assert.True(refused.ExitCode == ExitCodes.BadInput, refused.ToString());
            Assert.Contains($"{Path.Combine(folder, "a.rdb")} and {Path.Combine(folder, "b.rdb")} both hold keys of database 0 in hash slot", refused.Stderr, StringComparison.Ordinal);
        }
        foreach (var node in target.Nodes)
        {
            Assert.Equal("0", await node.ExecuteAsync("DBSIZE"));
        }
    }

    [RedisFact]
    public async Task AFilesFunctionsAreLoadedIntoEveryMasterWithFunctionsAndOnlyNotedWithout()
    {
        await using var source = await RedisServer.StartAsync();
        var report = await new StandardDataSet(0.001).LoadAsync(source.Endpoint);
        await source.ExecuteAsync("FUNCTION", "LOAD", "#!lua name=dcopylib\nredis.register_function('dcopy_echo', function(keys, args) return args[1] end)");
        var file = await source.SaveToFileAsync();
        await using var target = await RedisCluster.StartAsync(masters: 3);

        var without = await Dcopy.RunAsync("copy", "--state-dir", Dcopy.StateDir(), "--source", "rdb:" + file, "--target", Dcopy.Address(target), "--progress", "none");
        Assert.True(without.ExitCode == ExitCodes.Success, without.ToString());
        Assert.Contains("--functions loads them", without.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("dcopylib", await target.Nodes[0].ExecuteAsync("FUNCTION", "LIST"), StringComparison.Ordinal);

        var with = await Dcopy.RunAsync("copy", "--state-dir", Dcopy.StateDir(), "--source", "rdb:" + file, "--target", Dcopy.Address(target), "--functions", "--progress", "none");
        Assert.True(with.ExitCode == ExitCodes.Success, with.ToString());
        foreach (var master in await target.MastersAsync())
        {
            Assert.Equal("hello", await master.ExecuteAsync("FCALL", "dcopy_echo", "0", "hello"));
        }
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, ttlToleranceMs: 2000);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.Equal(report.Total, comparison.SourceKeys);

        var live = await Dcopy.RunAsync("copy", "--source", source.Endpoint.Address, "--target", Dcopy.Address(target), "--functions");
        Assert.True(live.ExitCode == ExitCodes.BadInput, live.ToString());
    }

    [RedisFact]
    public async Task AFilesDatabaseGoesToTheSameDatabaseOfAServerUnlessMappedAndNotSilentlyIntoAClustersZero()
    {
        await using var source = await RedisServer.StartAsync();
        for (var i = 0; i < 50; i++)
        {
            await source.ExecuteAsync("SET", $"k:{i}", "from database 0");
        }
        await using (var db1 = await Core.Resp.RespConnection.ConnectAsync(source.Endpoint with { Database = 1 }))
        {
            for (var i = 0; i < 50; i++)
            {
                await db1.ExecuteAsync("SET", $"k:{i}", "from database 1");
            }
        }
        var file = await source.SaveToFileAsync();
        await using var server = await RedisServer.StartAsync();
        await server.ExecuteAsync("SET", "k:7", "the target's own database 0");
        await using var cluster = await RedisCluster.StartAsync(masters: 3);

        // --db 1, the target naming no database: database 1 of the file into database 1, database 0 left alone
        var loaded = await Dcopy.RunAsync("copy", "--state-dir", Dcopy.StateDir(), "--source", "rdb:" + file, "--target", server.Endpoint.Address, "--db", "1", "--json", "--progress", "none");
        Assert.True(loaded.ExitCode == ExitCodes.Success, loaded.ToString());
        Assert.Equal("the target's own database 0", await server.ExecuteAsync("GET", "k:7"));
        Assert.Equal("1", await server.ExecuteAsync("DBSIZE"));
        var one = await DataComparer.CompareAsync(source.Endpoint with { Database = 1, NamesDatabase = true }, server.Endpoint with { Database = 1, NamesDatabase = true });
        Assert.True(one.Identical, one.ToString());

        // into a cluster, database 1 only where the operator maps it
        var refused = await Dcopy.RunAsync("copy", "--state-dir", Dcopy.StateDir(), "--source", "rdb:" + file, "--target", Dcopy.Address(cluster), "--db", "1");
        Assert.True(refused.ExitCode == ExitCodes.BadInput, refused.ToString());
        Assert.Contains("--db-map 1=0", refused.Stderr, StringComparison.Ordinal);
        var mapped = await Dcopy.RunAsync("copy", "--state-dir", Dcopy.StateDir(), "--source", "rdb:" + file, "--target", Dcopy.Address(cluster), "--db", "1", "--db-map", "1=0", "--json", "--progress", "none");
        Assert.True(mapped.ExitCode == ExitCodes.Success, mapped.ToString());
        Assert.Equal("from database 1", Core.Resp.RespFrame.String(await cluster.ExecuteOnOwnerAsync("GET", "k:7")));
    }

    [RedisFact]
    public async Task SeveralDatabasesOfAFileLoadInOneRunEachIntoItsOwnDatabaseOrMergedWhereMapped()
    {
        await using var source = await RedisServer.StartAsync();
        foreach (var (database, keys) in new[] { (0, 50), (1, 40), (2, 30) })
        {
            await using var connection = await Core.Resp.RespConnection.ConnectAsync(source.Endpoint with { Database = database, NamesDatabase = true });
            for (var i = 0; i < keys; i++)
            {
                await connection.ExecuteAsync("SET", database == 2 ? $"j:{i}" : $"k:{i}", $"from database {database}");
            }
        }
        var file = await source.SaveToFileAsync();
        await using var server = await RedisServer.StartAsync();
        await using var cluster = await RedisCluster.StartAsync(masters: 3);

        var plan = await Dcopy.RunAsync("plan", "--source", "rdb:" + file, "--target", server.Endpoint.Address, "--db", "0", "--db", "1", "--db", "2");
        Assert.True(plan.ExitCode == ExitCodes.Success, plan.ToString());
        // plan's report is its output: on stdout (with --json, the JSON is)
        Assert.Contains("loaded: database 0 → database 0, database 1 → database 1, database 2 → database 2", plan.Stdout, StringComparison.Ordinal);
        var all = await Dcopy.RunAsync("copy", "--state-dir", Dcopy.StateDir(), "--source", "rdb:" + file, "--target", server.Endpoint.Address, "--db", "0", "--db", "1", "--db", "2",
            "--verify", "--json", "--progress", "none");
        Assert.True(all.ExitCode == ExitCodes.Success, all.ToString());
        Assert.Equal(120, all.Json.GetProperty("verify").GetProperty("compared").GetInt64());
        foreach (var database in new[] { 0, 1, 2 })
        {
            var comparison = await DataComparer.CompareAsync(source.Endpoint with { Database = database, NamesDatabase = true }, server.Endpoint with { Database = database, NamesDatabase = true });
            Assert.True(comparison.Identical, $"database {database}: {comparison}");
        }

        // a cluster has one database: several go there only mapped, merged
        var refused = await Dcopy.RunAsync("copy", "--state-dir", Dcopy.StateDir(), "--source", "rdb:" + file, "--target", Dcopy.Address(cluster), "--db", "1", "--db", "2");
        Assert.True(refused.ExitCode == ExitCodes.BadInput, refused.ToString());
        Assert.Contains("--db-map (1=0,2=0 merges them)", refused.Stderr, StringComparison.Ordinal);
        var merged = await Dcopy.RunAsync("copy", "--state-dir", Dcopy.StateDir(), "--source", "rdb:" + file, "--target", Dcopy.Address(cluster), "--db", "1", "--db", "2",
            "--db-map", "1=0,2=0", "--json", "--progress", "none");
        Assert.True(merged.ExitCode == ExitCodes.Success, merged.ToString());
        Assert.Equal(70, merged.Json.GetProperty("keysCopied").GetInt64());
        Assert.Equal("from database 1", Core.Resp.RespFrame.String(await cluster.ExecuteOnOwnerAsync("GET", "k:7")));
        Assert.Equal("from database 2", Core.Resp.RespFrame.String(await cluster.ExecuteOnOwnerAsync("GET", "j:7")));
        Assert.DoesNotContain("not loaded (--db 2 loads it)", merged.Stderr, StringComparison.Ordinal);
    }
}
