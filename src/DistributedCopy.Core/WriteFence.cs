namespace DistributedCopy.Core;

/// <summary>
/// A worker's right to write: valid for <see cref="ValidFor"/> after the last report its coordinator answered was sent.
/// Every writer checks it before each batch's writes (<see cref="Check"/>), and <see cref="Lost"/> is cancelled the moment
/// it runs out, ending writes already under way; the coordinator gives the partition to another worker only after the
/// same span plus the longest a write can still land, so two writers never work one partition at once. One fence serves a
/// worker's leases one after another (<see cref="Start"/> for each).
/// </summary>
public sealed class WriteFence : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Timer _timer;
    private CancellationTokenSource _lost = new();
    private long _validUntil;
    private bool _disposed;

    public WriteFence()
    {
        _timer = new Timer(_ => Expire(), null, Timeout.Infinite, Timeout.Infinite);
    }

    public TimeSpan ValidFor { get; private set; }

    /// <summary>Cancelled once the current lease's right ran out: writes under way stop, and no more start.</summary>
    public CancellationToken Lost => Volatile.Read(ref _lost).Token;

    public bool IsLost => Volatile.Read(ref _lost).IsCancellationRequested;

    /// <summary>A new lease, asked for at <paramref name="askedAt"/> (<see cref="Environment.TickCount64"/>): its first span runs from there.</summary>
    public void Start(TimeSpan validFor, long askedAt)
    {
        lock (_lock)
        {
            if (_lost.IsCancellationRequested)
            {
                // the spent source is left to the collector: a token taken from it earlier stays readable
                Volatile.Write(ref _lost, new CancellationTokenSource());
            }
            ValidFor = validFor;
            Volatile.Write(ref _validUntil, askedAt + (long)validFor.TotalMilliseconds);
            Arm();
        }
    }

    /// <summary>The coordinator answered a report sent at <paramref name="sentAt"/> (<see cref="Environment.TickCount64"/>): the right runs from there.</summary>
    public void Renew(long sentAt)
    {
        var until = sentAt + (long)ValidFor.TotalMilliseconds;
        long seen;
        while ((seen = Volatile.Read(ref _validUntil)) < until && Interlocked.CompareExchange(ref _validUntil, until, seen) != seen)
        {
        }
    }

    /// <summary>Throws <see cref="LeaseLostException"/> when the right ran out: called before each batch's writes.</summary>
    public void Check()
    {
        if (IsLost || (Environment.TickCount64 >= Volatile.Read(ref _validUntil) && Expire()))
        {
            throw new LeaseLostException($"the lease ran out {ValidFor.TotalSeconds:0.#} s after the coordinator last answered; this worker writes no more");
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _timer.Dispose();
        }
    }

    private void Arm()
    {
        if (_disposed)
        {
            return;
        }
        var left = Volatile.Read(ref _validUntil) - Environment.TickCount64;
        _timer.Change(Math.Max(0, left), Timeout.Infinite);
    }

    /// <summary>Cancels <see cref="Lost"/> when the right has run out (true), or sets the timer for its new end (false).</summary>
    private bool Expire()
    {
        CancellationTokenSource lost;
        lock (_lock)
        {
            if (_lost.IsCancellationRequested)
            {
                return true;
            }
            if (_disposed || Environment.TickCount64 < Volatile.Read(ref _validUntil))
            {
                // renewed since the timer was set: wait for the new end
                Arm();
                return false;
            }
            lost = _lost;
        }
        // outside the lock: what the cancellation runs (writes stopping, sockets closing) must not hold up Check or Renew
        try
        {
            lost.Cancel();
        }
        catch (AggregateException)
        {
            // a callback of the writes being stopped threw: they are stopped either way
        }
        return true;
    }
}

/// <summary>A worker's lease ran out before its coordinator answered: it stops writing at once (another worker may own the partition now).</summary>
public sealed class LeaseLostException(string message) : CopyException(message);
