using DistributedCopy.Core.Live;
using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

/// <summary>
/// <c>--read-from replica</c>: every key read (listed, dumped, counted, followed) comes from a replica of each master; the
/// masters answer no DUMP. Each ends with an independent comparison of the masters' data with the target.
/// </summary>
public sealed class ReplicaReadTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [RedisFact]
    public async Task ACopyReadFromReplicasOfAClusterSendsNoDumpToAnyMasterAndIsIdentical()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.01).LoadAsync(source.Endpoint);
        var masters = await source.MastersAsync();
        await WaitReplicatedAsync(masters);
        foreach (var node in source.Nodes)
        {
            await node.ExecuteAsync("CONFIG", "RESETSTAT");
        }

        await using (var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { ReadFromReplica = true }))
        {
            await engine.CopyAllAsync();
            Assert.Equal(report.Total, engine.Progress.KeysCopied);
        }

        // counted before the comparison, which reads the masters
        var replicas = source.Nodes.Where(n => masters.All(m => m.Port != n.Port)).ToList();
        Assert.Equal(3, replicas.Count);
        Assert.Equal(0, await SumAsync(masters, "dump"));
        Assert.Equal(report.Total, await SumAsync(replicas, "dump"));
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 100);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    [RedisFact]
    public async Task ASyncReadFromAStandaloneReplicaFollowsItsNotificationsAndCutsOverIdentical()
    {
        await using var source = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = ["repl-diskless-sync-delay 0", "notify-keyspace-events EA"] });
        await using var replica = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = [$"replicaof 127.0.0.1 {source.Endpoint.Port}", "notify-keyspace-events EA"] });
        await using var target = await RedisServer.StartAsync();
        await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        await WaitReplicatedAsync([source]);
        await source.ExecuteAsync("CONFIG", "RESETSTAT");
        await using var writer = await SourceWriter.StartAsync(source.Endpoint);

        await using var sync = await LiveSync.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { ReadFromReplica = true }, new SyncOptions { SweepEvery = TimeSpan.FromSeconds(1) });
        var run = sync.RunAsync();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!(sync.Stats.Live && sync.Stats.Applied > 300))
        {
            Assert.True(DateTime.UtcNow < deadline && !run.IsCompleted, $"not live: {sync.Stats}; {(run.IsFaulted ? run.Exception!.InnerException!.Message : "")}");
            await Task.Delay(100);
        }
        writer.StopShortLived();
        await Task.Delay(2500);
        var cutover = await sync.CutoverAsync(pauseWrites: true, hold: TimeSpan.FromSeconds(60), timeout: TimeSpan.FromSeconds(60));
        await run;
        try
        {
            output.WriteLine($"{sync.Stats}; {cutover}; {string.Join("; ", cutover.Checks)}");
            Assert.True(cutover.InSync, cutover + ": " + string.Join("; ", cutover.Checks));
            Assert.Contains(cutover.Checks, c => c.StartsWith("ok      replicas: every replica read from holds all its master wrote before the pause", StringComparison.Ordinal));
            // counted before the comparison, which reads the master
            Assert.Equal(0, await source.CallsAsync("dump"));
            Assert.True(await replica.CallsAsync("dump") > 0);
            var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, ttlToleranceMs: 2000, typedSamplePerType: 200);
            Assert.True(comparison.Identical, comparison.ToString());
        }
        finally
        {
            await source.ExecuteAsync("CLIENT", "UNPAUSE");
        }
        await writer.StopAsync();
        Assert.True(writer.Writes > 1000 && sync.Stats.Changes > 1000, $"writes {writer.Writes}; {sync.Stats}");
    }

    [RedisFact]
    public async Task ASlotMigratedHalfWayIsCopiedWholeWhenReadFromReplicas()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        var slot = HashSlot.Of("{mig}"u8);
        var topology = await Topology.ReadAsync(source.Endpoint);
        var masters = await source.MastersAsync();
        var from = masters.Single(m => m.Port == topology.Shards[topology.ShardFor(slot)].Master.Port);
        var to = masters.First(m => m.Port != from.Port);
        var keys = Enumerable.Range(0, 200).Select(i => $"{{mig}}:{i}").ToList();
        foreach (var key in keys)
        {
            await from.ExecuteAsync("SET", key, "v-" + key);
        }
        // half the slot's keys moved to another master, the slot still the first's: its markers are on the masters' own
        // lines only; a replica's view shows the slot as simply its master's
        var (fromId, toId) = (await from.ExecuteAsync("CLUSTER", "MYID"), await to.ExecuteAsync("CLUSTER", "MYID"));
        await to.ExecuteAsync("CLUSTER", "SETSLOT", slot.ToString(System.Globalization.CultureInfo.InvariantCulture), "IMPORTING", fromId);
        await from.ExecuteAsync("CLUSTER", "SETSLOT", slot.ToString(System.Globalization.CultureInfo.InvariantCulture), "MIGRATING", toId);
        await from.ExecuteAsync(["MIGRATE", "127.0.0.1", to.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "", "0", "5000", "KEYS", .. keys.Take(100)]);
        await WaitReplicatedAsync(masters);

        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { ReadFromReplica = true });
        var copy = engine.CopyAllAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(engine.Progress.LastError ?? "").Contains($"source slot {slot} moved or is migrating", StringComparison.Ordinal))
        {
            Assert.False(copy.IsCompleted, "the copy ended with the slot half migrated: " + engine.Progress.LastError);
            Assert.True(DateTime.UtcNow < deadline, "the half-migrated slot was never noticed: " + engine.Progress.LastError);
            await Task.Delay(50);
        }
        // the migration ends; the copy's retry finds the slot on its new master (read from that master's replica)
        await from.ExecuteAsync(["MIGRATE", "127.0.0.1", to.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "", "0", "5000", "KEYS", .. keys.Skip(100)]);
        foreach (var master in (RedisServer[])[to, from, .. masters.Where(m => m.Port != from.Port && m.Port != to.Port)])
        {
            await master.ExecuteAsync("CLUSTER", "SETSLOT", slot.ToString(System.Globalization.CultureInfo.InvariantCulture), "NODE", toId);
        }
        await WaitReplicatedAsync(masters);
        await copy;

        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 5);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.Equal(report.Total + 200, comparison.SourceKeys);
    }

    private static async Task<long> SumAsync(IEnumerable<RedisServer> nodes, string command)
    {
        long sum = 0;
        foreach (var node in nodes)
        {
            sum += await node.CallsAsync(command);
        }
        return sum;
    }

    /// <summary>Until every replica of these masters is online and holds all the master wrote.</summary>
    private static async Task WaitReplicatedAsync(IEnumerable<RedisServer> masters)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        foreach (var master in masters)
        {
            while (true)
            {
                var info = Topology.ParseInfo(await master.ExecuteAsync("INFO", "replication"));
                var offset = info.GetValueOrDefault("master_repl_offset", "0");
                if (info.TryGetValue("slave0", out var replica) && replica.Contains("state=online", StringComparison.Ordinal) && replica.Contains($"offset={offset},", StringComparison.Ordinal))
                {
                    break;
                }
                Assert.True(DateTime.UtcNow < deadline, "replica not in sync: " + replica);
                await Task.Delay(100);
            }
        }
    }
}
