namespace DistributedCopy.Core.Pipelines;

/// <summary>Keys per second, on average over the last second at most (no burst after a quiet spell).</summary>
internal sealed class RateLimiter(double perSecond)
{
    private readonly Lock _lock = new();
    private double _next = Environment.TickCount64;

    /// <summary>The rate, which may change while batches wait (an adaptive limit).</summary>
    public double PerSecond
    {
        get => Volatile.Read(ref perSecond);
        set => Volatile.Write(ref perSecond, value);
    }

    public async ValueTask TakeAsync(int keys, CancellationToken cancellationToken)
    {
        double wait;
        lock (_lock)
        {
            var now = Environment.TickCount64;
            _next = Math.Max(_next, now - 1000) + (keys * 1000.0 / PerSecond);
            wait = _next - now - 1000;
        }
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(wait), cancellationToken).ConfigureAwait(false);
        }
    }
}
