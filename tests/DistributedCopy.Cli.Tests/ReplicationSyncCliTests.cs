using DistributedCopy.Testing;
using static DistributedCopy.Cli.Tests.StreamSync;

namespace DistributedCopy.Cli.Tests;

/// <summary>`dcopy sync --capture replication`: dcopy as a replica of a standalone master that has no keyspace notifications.</summary>
public sealed class ReplicationSyncCliTests
{
    [RedisFact]
    public async Task ASyncByTheStreamKilledAndStartedAgainContinuesFromItsOffsetAndCutsOverIdentical()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await source.ExecuteAsync("CONFIG", "SET", "notify-keyspace-events", "");
        var report = await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        // appends, increments, pushes, renames, expiring keys: a command applied twice would show
        await using var writer = await SourceWriter.StartAsync(source.Endpoint, expiring: true);
        var state = Dcopy.StateDir();
        var sync = SyncArgs(source.Endpoint.Address, target.Endpoint.Address, state);

        using (var first = Dcopy.Start(sync))
        {
            await WaitForLiveAsync(state, first);
            // past a few reports, so the checkpoint is a position of the stream
            await Task.Delay(2000);
            first.Kill();
            await first.WaitForExitAsync();
        }
        var before = await StatsAsync(source);
        await Task.Delay(1000);
        using var second = Dcopy.Start(sync);
        var stderr = second.StandardError.ReadToEndAsync();
        await WaitForLiveAsync(state, second);
        var status = await Dcopy.RunAsync("status", "stream", "--state-dir", state, "--json");
        Assert.True(status.ExitCode == ExitCodes.Success, status.ToString());
        Assert.Contains("bytes of the stream behind (target at ", status.Stderr, StringComparison.Ordinal);
        Assert.NotNull(status.Json.GetProperty("sync").GetProperty("position").GetString());
        // a transaction and a script (as their effects), and another database's writes and FLUSHDB, which are not the sync's
        await using (var connection = await Core.Resp.RespConnection.ConnectAsync(source.Endpoint))
        {
            await connection.ExecuteAsync("MULTI");
            await connection.ExecuteAsync("SET", "tx:a", "1");
            await connection.ExecuteAsync("INCRBY", "tx:a", "41");
            await connection.ExecuteAsync("LPUSH", "tx:list", "x", "y");
            await connection.ExecuteAsync("EXEC");
            await connection.ExecuteAsync("EVAL", "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCR', KEYS[2])", "2", "lua:a", "lua:n", "v");
            await connection.ExecuteAsync("SELECT", "1");
            await connection.ExecuteAsync("SET", "other:a", "1");
            await connection.ExecuteAsync("FLUSHDB");
            await connection.ExecuteAsync("SET", "other:b", "1");
        }
        writer.StopShortLived();
        await Task.Delay(1500);

        var cutover = await Dcopy.RunAsync("cutover", "stream", "--pause-writes", "--hold", "30", "--timeout", "60", "--state-dir", state, "--json");
        try
        {
            Assert.True(cutover.ExitCode == ExitCodes.Success, cutover.ToString());
            Assert.Contains("target in sync at", cutover.Stderr, StringComparison.Ordinal);
            Assert.Contains("ok      stream: the target applied the stream up to offset", cutover.Stderr, StringComparison.Ordinal);
            await second.WaitForExitAsync();
            Assert.Equal(ExitCodes.Success, second.ExitCode);
            Assert.Contains("resumed: the replication stream continues from the offset the target holds", await stderr, StringComparison.Ordinal);
            var after = await StatsAsync(source);
            // the second dcopy continued the stream: one partial resynchronisation, no second snapshot
            Assert.Equal((before.Full, before.Partial + 1), (after.Full, after.Partial));
            var comparison = await AssertIdenticalAsync(source.Endpoint, target.Endpoint);
            Assert.True(comparison.SourceKeys >= report.Total / 2, comparison.ToString());
            Assert.Equal("42", await target.ExecuteAsync("GET", "tx:a"));
            // database 1 is not synced (the source endpoint names database 0 by default)
            Assert.Equal(0, await KeyCounter.DbSizeAsync(target.Endpoint with { Database = 1 }));
        }
        finally
        {
            await source.ExecuteAsync("CLIENT", "UNPAUSE");
            if (!second.HasExited)
            {
                second.Kill();
            }
        }
        await writer.StopAsync();
    }

    [RedisFact]
    public async Task AClusterSourceIsFollowedOneLinkPerMasterThroughAKillTransactionsScriptsAndAFlushOfOneMaster()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var masters = await source.MastersAsync();
        foreach (var master in masters)
        {
            await master.ExecuteAsync("CONFIG", "SET", "notify-keyspace-events", "");
        }
        await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        await using var writer = await SourceWriter.StartAsync(source.Endpoint, expiring: true);
        var state = Dcopy.StateDir();
        var sync = SyncArgs(Dcopy.Address(source), Dcopy.Address(target), state);

        using (var first = Dcopy.Start(sync))
        {
            await WaitForLiveAsync(state, first);
            await Task.Delay(2000);
            first.Kill();
            await first.WaitForExitAsync();
        }
        var before = await Task.WhenAll(masters.Select(StatsAsync));
        using var second = Dcopy.Start(sync);
        var stderr = second.StandardError.ReadToEndAsync();
        try
        {
            await WaitForLiveAsync(state, second);
            // each master's stream: its lag and position on the target, in the status line and in JSON
            var status = await Dcopy.RunAsync("status", "stream", "--state-dir", state, "--json");
            Assert.Contains("bytes of the streams behind (", status.Stderr, StringComparison.Ordinal);
            Assert.Equal(3, status.Json.GetProperty("shards").EnumerateArray().Count(s => s.GetProperty("position").ValueKind == System.Text.Json.JsonValueKind.String));
            // a transaction and a script over one slot, then one master emptied: the other masters' keys stay
            var txMaster = await OwnerAsync(masters, "{tx}");
            await using (var connection = await Core.Resp.RespConnection.ConnectAsync(txMaster.Endpoint))
            {
                await connection.ExecuteAsync("MULTI");
                await connection.ExecuteAsync("SET", "{tx}:a", "1");
                await connection.ExecuteAsync("INCRBY", "{tx}:a", "41");
                await connection.ExecuteAsync("RPUSH", "{tx}:list", "x", "y");
                await connection.ExecuteAsync("EXEC");
            }
            await txMaster.ExecuteAsync("EVAL", "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCR', KEYS[2])", "2", "{tx}:lua", "{tx}:n", "v");
            var flushed = masters.First(m => m != txMaster);
            await flushed.ExecuteAsync("FLUSHDB");
            writer.StopShortLived();
            await Task.Delay(2000);

            var cutover = await CutOverAsync(state, second);
            Assert.Equal(3, cutover.Stderr.Split('\n').Count(l => l.Contains("ok      [", StringComparison.Ordinal) && l.Contains("stream: the target applied the stream up to offset", StringComparison.Ordinal)));
            var after = await Task.WhenAll(masters.Select(StatsAsync));
            // each master's stream continued: one partial resynchronisation each, no second snapshot
            Assert.Equal(before.Select(b => (b.Full, b.Partial + 1)), after.Select(a => (a.Full, a.Partial)));
            await AssertIdenticalAsync(source.Endpoint, target.Endpoint);
            Assert.Equal("42", await (await OwnerAsync(await target.MastersAsync(), "{tx}")).ExecuteAsync("GET", "{tx}:a"));
        }
        finally
        {
            await EndAsync(source, second);
        }
        await writer.StopAsync();
    }

    [RedisFact]
    public async Task PlanSaysWhetherTheStreamCanBeFollowedAndSyncRefusesAReplica()
    {
        await using var source = await RedisServer.StartAsync();
        await using var replica = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await replica.ExecuteAsync("REPLICAOF", "127.0.0.1", source.Endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var plan = await Dcopy.RunAsync("plan", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--json");
        Assert.True(plan.ExitCode == ExitCodes.Success, plan.ToString());
        Assert.Contains("dcopy sync --capture replication can follow", plan.Stdout + plan.Stderr, StringComparison.Ordinal);
        Assert.True(plan.Json.GetProperty("replicationAllowed").GetBoolean(), plan.ToString());

        var refused = await Dcopy.RunAsync("sync", "--source", replica.Endpoint.Address, "--target", target.Endpoint.Address, "--capture", "replication", "--state-dir", Dcopy.StateDir());
        Assert.True(refused.ExitCode == ExitCodes.BadInput, refused.ToString());
        Assert.Contains($"--capture replication: {replica.Endpoint.Address} is a replica", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, await KeyCounter.DbSizeAsync(target.Endpoint));

        // a user allowed everything but PSYNC: found by ACL DRYRUN, nothing run
        await source.ExecuteAsync("ACL", "SETUSER", "copier", "on", ">copier-pw", "~*", "&*", "+@all", "-psync");
        var user = $"redis://copier:copier-pw@{source.Endpoint.Address}";
        var denied = await Dcopy.RunAsync("plan", "--source", user, "--target", target.Endpoint.Address, "--json");
        Assert.True(denied.ExitCode == ExitCodes.Success, denied.ToString());
        Assert.False(denied.Json.GetProperty("replicationAllowed").GetBoolean(), denied.ToString());
        Assert.Contains("does not let dcopy's user run PSYNC", denied.Json.GetProperty("replicationRefused").GetString(), StringComparison.Ordinal);
        var deniedSync = await Dcopy.RunAsync("sync", "--source", user, "--target", target.Endpoint.Address, "--capture", "replication", "--state-dir", Dcopy.StateDir());
        Assert.True(deniedSync.ExitCode == ExitCodes.BadInput, deniedSync.ToString());
        Assert.Contains("does not let dcopy's user run PSYNC", deniedSync.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("copier-pw", deniedSync.Stderr + deniedSync.Stdout + denied.Stdout + denied.Stderr, StringComparison.Ordinal);
    }
}
