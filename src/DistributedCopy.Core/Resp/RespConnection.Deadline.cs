namespace DistributedCopy.Core.Resp;

// RespConnection, part 3: the deadline of every socket operation, checked by ConnectionWatchdog.
public sealed partial class RespConnection
{
    /// <summary>Called by the <see cref="ConnectionWatchdog"/>: a socket operation that has run past the deadline is aborted.</summary>
    internal void CheckDeadline(long now)
    {
        var since = Volatile.Read(ref _busySince);
        if (since != 0 && now - since > (long)Endpoint.Timeout.TotalMilliseconds)
        {
            _timedOut = true;
            // closing the socket ends the pending read or write at once; the connection is done either way
            _socket.Dispose();
        }
    }

    /// <summary>
    /// Marks a socket operation as started, for the watchdog: two field writes per operation instead of a timer per call.
    /// </summary>
    private void Begin()
    {
        if (_timedOut)
        {
            throw new RedisConnectException($"connection to {Endpoint.Address} timed out earlier and cannot be used again");
        }
        Volatile.Write(ref _busySince, Environment.TickCount64);
    }

    private void End() => Volatile.Write(ref _busySince, 0);

    private RedisConnectException TimedOut(string what) =>
        new($"no progress on the {what} {Endpoint.Address} within {Endpoint.Timeout.TotalSeconds:0.#} s (a stalled network or server)");
}
