using System.Diagnostics;

namespace DistributedCopy.Core.Pipelines;

/// <summary>
/// The adaptive rate of a copy (<see cref="CopyOptions.MaxSourceLatency"/>): every 100 ms a PING on a connection of its own
/// to each source node the copy reads from measures how long the source takes to answer a command while the copy runs,
/// which is what the application's commands wait too. When the worst of the last half second is above the target, the
/// rate is cut by 30 % (from what the copy achieved, the first time), at most every half second so each cut can show; under
/// 80 % of the target it grows by 10 % a step, up to <see cref="CopyOptions.MaxKeysPerSecond"/>, or until it no longer binds.
/// A probe that fails or times out counts as slow.
/// </summary>
internal sealed class SourceGuard : IAsyncDisposable
{
    private const int FloorKeysPerSecond = CopyOptions.AdaptiveFloorKeysPerSecond;

    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);
    private const int Window = 5;

    private readonly IReadOnlyList<RedisEndpoint> _nodes;
    private readonly double _targetMs;
    private readonly int _cap;
    private readonly CopyProgress _progress;
    private readonly RateLimiter _limiter;
    private readonly CancellationTokenSource _stop = new();
    private readonly long[] _takenPerTick = new long[10];
    private long _taken;
    private Task? _loop;
    private bool _holding;
    private long _lastCut;

    public SourceGuard(IReadOnlyList<RedisEndpoint> nodes, TimeSpan target, int maxKeysPerSecond, CopyProgress progress)
    {
        _nodes = nodes;
        _targetMs = target.TotalMilliseconds;
        _cap = maxKeysPerSecond;
        _progress = progress;
        _limiter = new RateLimiter(maxKeysPerSecond > 0 ? maxKeysPerSecond : double.PositiveInfinity);
    }

    /// <summary>Waited on before each batch: the probes start with the first.</summary>
    public ValueTask TakeAsync(int keys, CancellationToken cancellationToken)
    {
        Interlocked.Add(ref _taken, keys);
        if (Volatile.Read(ref _loop) is null)
        {
            // pipelines take batches concurrently: one of them starts the probes, never two
            var loop = new Task<Task>(() => RunAsync(_stop.Token));
            if (Interlocked.CompareExchange(ref _loop, loop.Unwrap(), null) is null)
            {
                loop.Start(TaskScheduler.Default);
            }
        }
        return Volatile.Read(ref _holding) || _cap > 0 ? _limiter.TakeAsync(keys, cancellationToken) : ValueTask.CompletedTask;
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var connections = new RespConnection?[_nodes.Count];
        var recent = new double[_nodes.Count][];
        for (var i = 0; i < recent.Length; i++)
        {
            recent[i] = new double[Window];
        }
        var tick = 0;
        try
        {
            using var timer = new PeriodicTimer(Period);
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                var probes = await Task.WhenAll(_nodes.Select((node, i) => ProbeAsync(node, connections, i, stop))).ConfigureAwait(false);
                var worst = 0.0;
                for (var i = 0; i < probes.Length; i++)
                {
                    recent[i][tick % Window] = probes[i];
                    worst = Math.Max(worst, recent[i].Max());
                }
                _takenPerTick[tick % _takenPerTick.Length] = Interlocked.Exchange(ref _taken, 0);
                tick++;
                Adjust(worst, _takenPerTick.Sum() * 1000.0 / (Period.TotalMilliseconds * Math.Min(tick, _takenPerTick.Length)));
            }
        }
        catch (OperationCanceledException)
        {
            // disposed
        }
        finally
        {
            foreach (var connection in connections.OfType<RespConnection>())
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>One PING's round trip in milliseconds; a failure counts as the node's timeout (slow), and the next probe connects again.</summary>
    private static async Task<double> ProbeAsync(RedisEndpoint node, RespConnection?[] connections, int i, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            connections[i] ??= await RespConnection.ConnectAsync(node, stop).ConfigureAwait(false);
            clock.Restart();
            await connections[i]!.ExecuteAsync("PING").ConfigureAwait(false);
            return clock.Elapsed.TotalMilliseconds;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            if (connections[i] is { } broken)
            {
                connections[i] = null;
                await broken.DisposeAsync().ConfigureAwait(false);
            }
            return Math.Max(clock.Elapsed.TotalMilliseconds, node.Timeout.TotalMilliseconds);
        }
    }

    private void Adjust(double latencyMs, double achieved)
    {
        var now = Environment.TickCount64;
        var rate = _limiter.PerSecond;
        if (latencyMs > _targetMs)
        {
            if (now - _lastCut >= 500)
            {
                var from = Volatile.Read(ref _holding) ? rate : Math.Min(rate, Math.Max(achieved, FloorKeysPerSecond));
                _limiter.PerSecond = Math.Max(FloorKeysPerSecond, from * 0.7);
                Volatile.Write(ref _holding, true);
                _lastCut = now;
            }
        }
        else if (latencyMs < _targetMs * 0.8 && Volatile.Read(ref _holding))
        {
            var next = rate * 1.1 + 100;
            if (_cap > 0 && next >= _cap)
            {
                // back to the plain limit
                _limiter.PerSecond = _cap;
                Volatile.Write(ref _holding, false);
            }
            else if (_cap == 0 && next > achieved * 2 && achieved > 0)
            {
                // the limit no longer binds: let go of it
                _limiter.PerSecond = double.PositiveInfinity;
                Volatile.Write(ref _holding, false);
            }
            else
            {
                _limiter.PerSecond = next;
            }
        }
        _progress.SetSourceGuard(latencyMs, Volatile.Read(ref _holding) ? (int)_limiter.PerSecond : 0);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        _stop.Dispose();
    }
}
