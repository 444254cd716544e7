using DistributedCopy.Core.Replication;
using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

// ReplicationLinkTests, part 2: the steps the tests share (a stream applied while writing, what a replica must keep, the snapshot loaded, caught up, the master's counters).
public sealed partial class ReplicationLinkTests
{
    /// <summary>
    /// Applies the stream while the mixed writer and <see cref="WriteWhatAReplicaMustKeepAsync"/> write to the source, until
    /// the target has applied all of it; then stops the applier (between pipelines) and hands it over for its counts.
    /// </summary>
    private static async Task<ReplicationApplier> ApplyWhileWritingAsync(RedisServer source, ReplicationLink link, RedisEndpoint target, CancellationToken deadline)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(deadline);
        var applier = await OpenApplierAsync(link, target);
        var running = applier.RunAsync(stop.Token);
        await using (var writer = await SourceWriter.StartAsync(source.Endpoint))
        {
            await WriteWhatAReplicaMustKeepAsync(source);
            await Task.Delay(1500);
            writer.StopShortLived();
            await writer.StopAsync();
        }
        await CaughtUpAsync(source, applier, running);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        return applier;
    }

    /// <summary>What only a replica that applies the stream as sent keeps right: a transaction, a script, other databases, relative expiries.</summary>
    private static async Task WriteWhatAReplicaMustKeepAsync(RedisServer source)
    {
        await using var connection = await RespConnection.ConnectAsync(source.Endpoint);
        string[][] commands =
        [
            ["MULTI"], ["SET", "tx:a", "1"], ["INCRBY", "tx:a", "41"], ["LPUSH", "tx:list", "x", "y"], ["EXEC"],
            ["EVAL", "redis.call('SET', KEYS[1], ARGV[1]); return redis.call('INCR', KEYS[2])", "2", "lua:a", "lua:n", "v"],
            ["SET", "ttl:ex", "v", "EX", "3600"], ["EXPIRE", "ttl:later", "3600"], ["SET", "ttl:later", "v"], ["EXPIRE", "ttl:later", "1800"],
            ["SELECT", "1"], ["SET", "db1:a", "1"], ["HSET", "db1:h", "f", "v"], ["SADD", "db1:s", "m"], ["SELECT", "0"],
            ["SELECT", "2"], ["SET", "db2:a", "1"], ["FLUSHDB"], ["SELECT", "0"],
            ["APPEND", "tx:a", "!"],
        ];
        foreach (var command in commands)
        {
            await connection.ExecuteAsync(command);
        }
    }

    private static async Task<ReplicationApplier> OpenApplierAsync(ReplicationLink link, RedisEndpoint target) =>
        await ReplicationApplier.OpenAsync(link, await ClusterView.OpenAsync(target, new Dictionary<string, string>(), CancellationToken.None));

    private static Task LoadSnapshotAsync(ReplicationLink link, RedisServer target, CancellationToken cancellationToken) =>
        LoadSnapshotAsync(link, target.Endpoint, cancellationToken);

    private static async Task LoadSnapshotAsync(ReplicationLink link, RedisEndpoint target, CancellationToken cancellationToken)
    {
        var file = Path.Combine(Path.GetTempPath(), $"dcopy-snapshot-{Guid.NewGuid():N}.rdb");
        try
        {
            await using (var stream = File.Create(file))
            {
                await link.ReceiveSnapshotAsync(stream, cancellationToken);
            }
            var loader = await RdbLoader.OpenAsync(file, target, new CopyOptions(), cancellationToken);
            await loader.LoadAsync(0, cancellationToken);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Waits until the target has applied everything the source's master offset says it wrote.</summary>
    private static async Task CaughtUpAsync(RedisServer source, ReplicationApplier applier, Task running)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        long master;
        while ((master = await MasterOffsetAsync(source)) > applier.Applied && DateTime.UtcNow < until && !running.IsCompleted)
        {
            await Task.Delay(50);
        }
        if (running.IsFaulted)
        {
            await running;
        }
        Assert.True(applier.Applied >= master, $"applied {applier.Applied:N0} of the master's {master:N0}");
    }

    private static async Task<long> MasterOffsetAsync(RedisServer source) =>
        long.Parse(Topology.ParseInfo(await source.ExecuteAsync("INFO", "replication"))["master_repl_offset"], System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<(long Full, long Partial)> StatsAsync(RedisServer source)
    {
        var stats = Topology.ParseInfo(await source.ExecuteAsync("INFO", "stats"));
        return (long.Parse(stats["sync_full"], System.Globalization.CultureInfo.InvariantCulture), long.Parse(stats["sync_partial_ok"], System.Globalization.CultureInfo.InvariantCulture));
    }
}
