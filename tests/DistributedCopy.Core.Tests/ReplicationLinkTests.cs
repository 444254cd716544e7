using DistributedCopy.Core.Replication;
using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

/// <summary>dcopy as a replica of a real redis-server: the snapshot in both forms, the command stream applied, a link resumed by its offset.</summary>
public sealed partial class ReplicationLinkTests
{
    [RedisFact]
    public async Task ADisklessSnapshotAndTheStreamAfterItMakeTheTargetIdentical()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        // the diskless form (Redis 7's default, set for older ones): the snapshot streamed with an end mark instead of a length
        await source.ExecuteAsync("CONFIG", "SET", "repl-diskless-sync", "yes");
        await source.ExecuteAsync("CONFIG", "SET", "repl-diskless-sync-delay", "0");
        var report = await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        await using var link = await ReplicationLink.OpenAsync(source.Endpoint, from: null, deadline.Token);
        Assert.True(link.StartedOver);
        await LoadSnapshotAsync(link, target, deadline.Token);
        Assert.True(link.Diskless);
        Assert.Equal(report.Total, await KeyCounter.DbSizeAsync(target.Endpoint));

        await using var applier = await ApplyWhileWritingAsync(source, link, target.Endpoint, deadline.Token);

        Assert.Equal(0, applier.Errors);
        Assert.True(applier.Commands > 100, $"{applier.Commands} commands applied");
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
        var other = await DataComparer.CompareAsync(source.Endpoint with { Database = 1 }, target.Endpoint with { Database = 1 });
        Assert.True(other.Identical, other.ToString());
        Assert.Equal(3, await KeyCounter.DbSizeAsync(target.Endpoint with { Database = 1 }));
    }

    [RedisFact]
    public async Task AStandaloneSourcesStreamIsRoutedBySlotToAClusterTarget()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        await using var link = await ReplicationLink.OpenAsync(source.Endpoint, from: null, deadline.Token);
        await LoadSnapshotAsync(link, target.Endpoint, deadline.Token);
        Assert.Equal(report.Total, await KeyCounter.DbSizeAsync(target.Endpoint));
        await using var applier = await ApplyWhileWritingAsync(source, link, target.Endpoint, deadline.Token);

        Assert.True(applier.Errors == 0, applier.LastError);
        // database 1's three writes and database 2's write and FLUSHDB: a cluster has database 0 only
        Assert.Equal(5, applier.OtherDatabases);
        // the transaction over tx:a and tx:list, and the script's effects over lua:a and lua:n
        Assert.Equal(2, applier.SplitTransactions);
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    [RedisFact]
    public async Task ALinkResumedFromItsAppliedPositionContinuesWithoutASecondSnapshot()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        // the sized form: the snapshot written to the master's disk first, then sent with its length (Redis 7 streams by default)
        await source.ExecuteAsync("CONFIG", "SET", "repl-diskless-sync", "no");
        var report = await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var databaseOne = source.Endpoint with { Database = 1 };

        ReplicationPosition stopped;
        await using (var link = await ReplicationLink.OpenAsync(source.Endpoint, from: null, deadline.Token))
        {
            Assert.True(link.StartedOver);
            await LoadSnapshotAsync(link, target, deadline.Token);
            Assert.False(link.Diskless); // the sized form: the master's RDB file
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            await using var applier = await OpenApplierAsync(link, target.Endpoint);
            var running = applier.RunAsync(stop.Token);
            // no keys that expire meanwhile (their DELs would select database 0 again)
            await WriteWhatAReplicaMustKeepAsync(source);
            // the stream's last SELECT is database 1's
            await using (var one = await RespConnection.ConnectAsync(databaseOne))
            {
                await one.ExecuteAsync("SET", "one:a", "1");
                await one.ExecuteAsync("RPUSH", "one:list", "a");
            }
            await CaughtUpAsync(source, applier, running);
            // stopped between pipelines: the position applied is exactly what the target holds
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
            Assert.True(applier.Commands > 10, $"{applier.Commands} commands applied");
            stopped = applier.Position;
        }
        Assert.Equal(1, stopped.Database);
        var before = await StatsAsync(source);
        // written while no link is up: the master continues in database 1 without saying SELECT again
        await using (var one = await RespConnection.ConnectAsync(databaseOne))
        {
            await one.ExecuteAsync("SET", "one:b", "2");
            await one.ExecuteAsync("RPUSH", "one:list", "b");
            await one.ExecuteAsync("INCR", "one:n");
        }

        await using (var link = await ReplicationLink.OpenAsync(source.Endpoint, stopped, deadline.Token))
        {
            Assert.False(link.StartedOver);
            Assert.Equal(stopped, link.Position);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            await using var applier = await OpenApplierAsync(link, target.Endpoint);
            var running = applier.RunAsync(stop.Token);
            await CaughtUpAsync(source, applier, running);
            Assert.Equal(0, applier.Errors);
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }
        var after = await StatsAsync(source);
        // one partial resynchronisation, no second full one
        Assert.Equal((before.Full, before.Partial + 1), (after.Full, after.Partial));
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
        var other = await DataComparer.CompareAsync(databaseOne, target.Endpoint with { Database = 1 });
        Assert.True(other.Identical, other.ToString());
        Assert.Equal(7, await KeyCounter.DbSizeAsync(target.Endpoint with { Database = 1 }));
        Assert.True(await KeyCounter.DbSizeAsync(target.Endpoint) >= report.Total);
    }

    [RedisFact]
    public async Task ALinkResetMidStreamEndsWithAClearErrorAndResumesFromWhatWasApplied()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await using var proxy = FaultProxy.Start(source.Port);
        var report = await new StandardDataSet(0.002).LoadAsync(source.Endpoint);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var writer = await SourceWriter.StartAsync(source.Endpoint);

        ReplicationPosition applied;
        await using (var link = await ReplicationLink.OpenAsync(source.Endpoint.WithAddress("127.0.0.1", proxy.Port), from: null, deadline.Token))
        {
            await LoadSnapshotAsync(link, target, deadline.Token);
            await using var applier = await OpenApplierAsync(link, target.Endpoint);
            var running = applier.RunAsync(deadline.Token);
            await Task.Delay(1000);
            // the connection to the master reset while writes flow
            proxy.ResetAll();
            await Assert.ThrowsAsync<RedisConnectException>(() => running);
            Assert.True(applier.Commands > 0);
            applied = applier.Position;
        }
        var before = await StatsAsync(source);

        await using (var link = await ReplicationLink.OpenAsync(source.Endpoint, applied, deadline.Token))
        {
            Assert.False(link.StartedOver);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            await using var applier = await OpenApplierAsync(link, target.Endpoint);
            var running = applier.RunAsync(stop.Token);
            writer.StopShortLived();
            await writer.StopAsync();
            await CaughtUpAsync(source, applier, running);
            Assert.Equal(0, applier.Errors);
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }
        var after = await StatsAsync(source);
        Assert.Equal((before.Full, before.Partial + 1), (after.Full, after.Partial));
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.True(await KeyCounter.DbSizeAsync(target.Endpoint) >= report.Total);
    }

    [RedisFact]
    public async Task WritesWhileTheSnapshotLoadsWaitInDcopyNotInTheMastersOutputBuffer()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        // a master that drops a replica holding more than 4 MB of its stream unread (the default is 256 MB, 64 MB for 60 s)
        await source.ExecuteAsync("CONFIG", "SET", "client-output-buffer-limit", "replica 4194304 4194304 0");
        await source.ExecuteAsync("SET", "before", "1");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var link = await ReplicationLink.OpenAsync(source.Endpoint, from: null, deadline.Token);
        await LoadSnapshotAsync(link, target, deadline.Token);
        // the stream starts on an ACK the master counts (it ignores one that comes before it has reaped its child): within
        // a few of the link's first ACKs, 100 ms apart
        await Task.Delay(500);

        // 24 MB written while nothing applies the stream yet (a long snapshot load): more than the limit and the socket buffers
        await using (var writes = await RespConnection.ConnectAsync(source.Endpoint))
        {
            var value = new string('v', 64 * 1024);
            for (var i = 0; i < 384; i++)
            {
                await writes.ExecuteAsync("SET", "big:" + i, value + i);
            }
        }
        await Task.Delay(1000);
        var replicas = Topology.ParseInfo(await source.ExecuteAsync("INFO", "replication"))["connected_slaves"];
        Assert.True(replicas == "1", File.ReadAllText(Path.Combine(source.DataDirectory, "redis.log")));

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        await using var applier = await OpenApplierAsync(link, target.Endpoint);
        var running = applier.RunAsync(stop.Token);
        await CaughtUpAsync(source, applier, running);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.Equal(385, await KeyCounter.DbSizeAsync(target.Endpoint));
    }

    [RedisFact]
    public async Task APositionTheBacklogNoLongerHoldsStartsOverWithASnapshot()
    {
        await using var source = await RedisServer.StartAsync();
        await source.ExecuteAsync("CONFIG", "SET", "repl-backlog-size", "16384");
        await source.ExecuteAsync("SET", "k", "v");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        ReplicationPosition stopped;
        await using (var link = await ReplicationLink.OpenAsync(source.Endpoint, from: null, deadline.Token))
        {
            await link.ReceiveSnapshotAsync(Stream.Null, deadline.Token);
            stopped = link.Position;
        }
        // more than the backlog holds, written while no link is up
        for (var i = 0; i < 100; i++)
        {
            await source.ExecuteAsync("SET", "big" + i, new string('x', 1000));
        }

        await using var again = await ReplicationLink.OpenAsync(source.Endpoint, stopped, deadline.Token);
        Assert.True(again.StartedOver, $"continued from {stopped}: {await source.ExecuteAsync("INFO", "replication")}");
        // a new snapshot, taken after the writes: it starts past them
        Assert.True(again.Position.Offset > stopped.Offset + 100_000, $"{again.Position} after {stopped}");
        Assert.True(await again.ReceiveSnapshotAsync(Stream.Null, deadline.Token) > 0);
    }
}
