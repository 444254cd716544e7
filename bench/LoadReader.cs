using System.Diagnostics;
using DistributedCopy.Testing;

namespace DistributedCopy.Bench;

/// <summary>
/// An application's reads on the source: GETs of the standard set's strings at a fixed rate, one at a time per master
/// (a request waits for its reply), each timed from when it was due, not when it could be sent, so a slow server's queue
/// shows in full. For the source-protection rows: the latency the application sees with and without a copy running.
/// </summary>
internal sealed class LoadReader : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly Lock _lock = new();
    private List<double> _latencies = [];

    private LoadReader()
    {
    }

    public static async Task<LoadReader> StartAsync(RedisEndpoint cluster, StandardDataSet set, int strings, int perSecond)
    {
        var topology = await Topology.ReadAsync(cluster);
        var reader = new LoadReader();
        var perMaster = Math.Max(1, perSecond / topology.Shards.Count);
        for (var i = 0; i < topology.Shards.Count; i++)
        {
            var shard = i;
            var connection = await RespConnection.ConnectAsync(topology.Shards[i].Master);
            // the keys this master holds, so every GET is a hit
            var keys = Enumerable.Range(0, strings).Select(n => set.Key("string", n)).Where(k => topology.ShardFor(HashSlot.Of(k)) == shard).Take(20_000).ToArray();
            reader._loops.Add(Task.Run(() => reader.LoopAsync(connection, keys, perMaster, reader._stop.Token)));
        }
        return reader;
    }

    /// <summary>The latencies (ms) recorded since the last call, sorted.</summary>
    public List<double> Take()
    {
        List<double> taken;
        lock (_lock)
        {
            (taken, _latencies) = (_latencies, []);
        }
        taken.Sort();
        return taken;
    }

    public static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private async Task LoopAsync(RespConnection connection, byte[][] keys, int perSecond, CancellationToken stop)
    {
        var writer = new RespWriter(256);
        var random = new Random(17);
        var clock = Stopwatch.StartNew();
        long sent = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var due = sent * 1000.0 / perSecond;
                var now = clock.Elapsed.TotalMilliseconds;
                if (due > now)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, due - now)), stop);
                    continue;
                }
                writer.Clear();
                writer.Command(2).Bulk("GET"u8).Bulk(keys[random.Next(keys.Length)]);
                await connection.SendAsync(writer, stop);
                await connection.ReadFrameAsync(stop);
                var latency = clock.Elapsed.TotalMilliseconds - due;
                lock (_lock)
                {
                    _latencies.Add(latency);
                }
                sent++;
                // a reader far behind its schedule (the machine stalled) starts again from now rather than bursting
                if (clock.Elapsed.TotalMilliseconds - due > 1000)
                {
                    sent = (long)(clock.Elapsed.TotalMilliseconds * perSecond / 1000);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        _stop.Dispose();
    }
}
