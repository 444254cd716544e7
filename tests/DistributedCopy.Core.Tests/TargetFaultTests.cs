using System.Globalization;
using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

/// <summary>Faults of the target met for real (full, a value too big, a stall, a replica to wait for), each ending in a comparison.</summary>
public sealed class TargetFaultTests
{
    [RedisFact]
    public async Task AFullTargetStopsTheCopyWithItsMemoryFiguresAndNoSlotOfAFailedBatchIsDone()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = ["maxmemory 4mb", "maxmemory-policy noeviction"] });
        await new StandardDataSet(0.05).LoadAsync(source.Endpoint);

        var completed = new HashSet<int>();
        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions());
        var error = await Assert.ThrowsAsync<TargetOutOfMemoryException>(() =>
            engine.CopySlotsAsync([new SlotRange(0, HashSlot.Count - 1)], slot => { lock (completed) { completed.Add(slot); } }));

        Assert.Contains("maxmemory", error.Message, StringComparison.Ordinal);
        Assert.Contains("noeviction", error.Message, StringComparison.Ordinal);
        Assert.Contains(target.Endpoint.Address, error.Message, StringComparison.Ordinal);
        // every slot reported done has all its keys on the target
        await using var sourceConnection = await Resp.RespConnection.ConnectAsync(source.Endpoint);
        var keys = await DataComparer.AllKeysAsync(source.Endpoint);
        var onTarget = (await DataComparer.AllKeysAsync(target.Endpoint)).Select(Convert.ToBase64String).ToHashSet();
        var missingInDoneSlots = keys.Where(k => completed.Contains(HashSlot.Of(k)) && !onTarget.Contains(Convert.ToBase64String(k))).ToList();
        Assert.Empty(missingInDoneSlots);
        Assert.True(onTarget.Count < keys.Count, "the target should have filled up before the end");
    }

    [RedisFact]
    public async Task AValueTooBigForTheTargetStopsTheCopyNamingTheKeyAndItsSize()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await target.ExecuteAsync("CONFIG", "SET", "proto-max-bulk-len", "1mb");
        await source.ExecuteAsync("SET", "small", "x");
        await using (var connection = await source.ConnectAsync())
        {
            // random bytes: DUMP compresses, and a payload must stay over the limit
            var value = new byte[2 * 1024 * 1024];
            new Random(1).NextBytes(value);
            var writer = new Resp.RespWriter();
            writer.Command(3).Bulk("SET"u8).Bulk("big:value"u8).Bulk(value);
            await connection.SendAsync(writer);
            await connection.ReadFrameAsync();
        }

        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions());
        var error = await Assert.ThrowsAsync<CopyException>(() => engine.CopyAllAsync());

        Assert.Contains("big:value", error.Message, StringComparison.Ordinal);
        Assert.Contains("proto-max-bulk-len", error.Message, StringComparison.Ordinal);
        Assert.Matches(@"2,097,1\d\d bytes", error.Message);
    }

    [RedisFact]
    public async Task AStandaloneTargetWithAReplicaGetsEveryBatchAcknowledgedByIt()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await using var replica = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = [$"replicaof 127.0.0.1 {target.Port}"] });
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!(await replica.ExecuteAsync("INFO", "replication")).Contains("master_link_status:up", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        var report = await new StandardDataSet(0.01).LoadAsync(source.Endpoint);

        await using (var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions()))
        {
            Assert.Equal(1, engine.Target.Topology.Shards[0].Replicas);
            await engine.CopyAllAsync();
        }
        var waits = Topology.ParseInfo(await target.ExecuteAsync("INFO", "commandstats")).GetValueOrDefault("cmdstat_wait", "");
        Assert.Matches(@"calls=[1-9]", waits);
        // acknowledged by the replica means the replica has them
        Assert.Equal(report.Total, await KeyCounter.DbSizeAsync(replica.Endpoint));
        var compared = await DataComparer.CompareAsync(source.Endpoint, replica.Endpoint);
        Assert.True(compared.Identical, compared.ToString());
    }

    [RedisFact]
    public async Task AStallOfTheTargetDuringTheCopyLeavesEveryTtlWithinASecondOfTheSource()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisServer.StartAsync();
        await using var proxy = FaultProxy.Start(target.Port);
        var report = await new StandardDataSet(0.05).LoadAsync(source.Endpoint);

        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint.WithAddress("127.0.0.1", proxy.Port), new CopyOptions { BatchSize = 200 });
        var copy = engine.CopyAllAsync();
        while (engine.Progress.KeysCopied < report.Total / 5 && !copy.IsCompleted)
        {
            await Task.Delay(10);
        }
        Assert.False(copy.IsCompleted, "the copy ended before the stall");
        // RESTOREs already sent wait in the proxy: shorter than the deadline, so they are delivered late, not retried
        proxy.Mode = FaultMode.Stall;
        await Task.Delay(4000);
        proxy.Mode = FaultMode.Forward;
        await copy.WaitAsync(TimeSpan.FromSeconds(60));

        var compared = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, ttlToleranceMs: 1000);
        Assert.True(compared.Identical, compared.ToString());
    }

    [RedisFact]
    public async Task AStalledTargetEndsTheCopyWithTheLastErrorOnceTheRetryBudgetIsSpent()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisServer.StartAsync();
        await using var proxy = FaultProxy.Start(target.Port);
        var report = await new StandardDataSet(0.02).LoadAsync(source.Endpoint);
        var through = target.Endpoint.WithAddress("127.0.0.1", proxy.Port) with { Timeout = TimeSpan.FromSeconds(1) };

        var completed = new HashSet<int>();
        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, through, new CopyOptions { BatchSize = 50, PipelinesPerShard = 1, RetryBudget = TimeSpan.FromSeconds(4) });
        var copy = engine.CopySlotsAsync([new SlotRange(0, HashSlot.Count - 1)], slot => { lock (completed) { completed.Add(slot); } });
        while (engine.Progress.KeysCopied < report.Total / 5 && !copy.IsCompleted)
        {
            await Task.Delay(10);
        }
        proxy.Mode = FaultMode.Stall;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RetriesExhaustedException>(() => copy.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.InRange(clock.Elapsed.TotalSeconds, 1, 20);
        Assert.Contains("within 1 s", error.Message, StringComparison.Ordinal);
        Assert.Contains(proxy.Port.ToString(CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.True(engine.Progress.Errors > 0 && engine.Progress.LastError is not null);
        // each kind of error keeps its last text: the stalls (naming the node) and the give-up
        Assert.Contains(proxy.Port.ToString(CultureInfo.InvariantCulture), engine.Progress.LastErrors["connection"], StringComparison.Ordinal);
        Assert.Equal(error.Message, engine.Progress.LastErrors["retries"]);

        // every slot reported done is complete on the target
        proxy.Mode = FaultMode.Forward;
        var onTarget = (await DataComparer.AllKeysAsync(target.Endpoint)).Select(Convert.ToBase64String).ToHashSet();
        var keys = await DataComparer.AllKeysAsync(source.Endpoint);
        Assert.DoesNotContain(keys, k => completed.Contains(HashSlot.Of(k)) && !onTarget.Contains(Convert.ToBase64String(k)));
        Assert.InRange(completed.Count, 1, HashSlot.Count - 1);
    }
}
