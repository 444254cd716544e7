using System.Diagnostics;

namespace DistributedCopy.Bench;

/// <summary>
/// A steady write load on a cluster: SETs of small values over a set of hot keys at a fixed rate, pipelined per master every
/// 10 ms, each reply read. For the live-sync row: the load an application puts on the source while it is synced.
/// </summary>
internal sealed class LoadWriter : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _writes;

    private LoadWriter(Topology topology, int perSecond, int keys) => _loop = Task.Run(() => LoopAsync(topology, perSecond, keys, _stop.Token));

    public long Writes => Interlocked.Read(ref _writes);

    public static async Task<LoadWriter> StartAsync(RedisEndpoint cluster, int perSecond, int keys) =>
        new(await Topology.ReadAsync(cluster), perSecond, keys);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private async Task LoopAsync(Topology topology, int perSecond, int keys, CancellationToken cancellationToken)
    {
        var connections = new RespConnection[topology.Shards.Count];
        var writers = new RespWriter[topology.Shards.Count];
        for (var i = 0; i < connections.Length; i++)
        {
            connections[i] = await RespConnection.ConnectAsync(topology.Shards[i].Master, cancellationToken);
            writers[i] = new RespWriter(256 * 1024);
        }
        try
        {
            var random = new Random(11);
            var clock = Stopwatch.StartNew();
            long sent = 0;
            while (!cancellationToken.IsCancellationRequested)
            {
                var due = (long)(clock.Elapsed.TotalSeconds * perSecond) - sent;
                for (var n = 0; n < due; n++)
                {
                    var key = System.Text.Encoding.ASCII.GetBytes($"hot:{random.Next(keys)}");
                    writers[topology.ShardFor(HashSlot.Of(key))].Command(3).Bulk("SET"u8).Bulk(key).Bulk(random.NextInt64());
                }
                sent += due;
                for (var i = 0; i < connections.Length; i++)
                {
                    if (writers[i].Commands == 0)
                    {
                        continue;
                    }
                    await connections[i].SendAsync(writers[i], cancellationToken);
                    for (var r = 0; r < writers[i].Commands; r++)
                    {
                        await connections[i].ReadFrameAsync(cancellationToken);
                    }
                    Interlocked.Add(ref _writes, writers[i].Commands);
                    writers[i].Clear();
                }
                await Task.Delay(10, cancellationToken);
            }
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
