namespace DistributedCopy.Core.Live;

/// <summary>
/// The keyspace notifications of one source node: <c>PSUBSCRIBE __keyevent@N__:*</c> on a connection of its own, each
/// changed key handed to <c>changed</c>. A PING is kept in flight (one every 10 ms at most; notifications wait in the socket meanwhile), so the connection's
/// deadline holds while it is idle and <see cref="BarrierAsync"/> can tell when every notification sent before it has been
/// read. A dropped, killed or overflowed subscription is re-made with backoff; once it is, <c>resubscribed</c> is
/// called, so what was missed in between is reconciled. Before each subscription <c>check</c> looks at the node's
/// notify-keyspace-events (a restarted server has forgotten a CONFIG SET); its refusal (a CopyException) ends the feed.
/// </summary>
/// A subscription that cannot be made again (refused, unreachable) is tried on, each failure told to <c>failing</c>, under the
/// engine's retry budget (<paramref name="retryBudget"/>, as <see cref="RetryBudget"/> counts it): failures that last longer
/// end the feed, and so the sync, with the last one's reason.
internal sealed class ChangeFeed(RedisEndpoint node, int database, Action<byte[]> changed, Action<ChangeFeed> resubscribed, Func<RedisEndpoint, CancellationToken, Task> check,
    TimeSpan retryBudget, Action<string>? failing = null, Action? subscribed = null)
{
    private static readonly TimeSpan PingEvery = TimeSpan.FromMilliseconds(10);
    private readonly object _lock = new();
    private readonly List<(long Ping, TaskCompletionSource Done)> _barriers = [];
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _pingsSent;
    private long _pongs;
    private int _disconnects;

    public RedisEndpoint Node { get; } = node;

    /// <summary>Completes when the first subscription is in place (changes from then on are seen).</summary>
    public Task Subscribed => _subscribed.Task;

    /// <summary>How many times the subscription was lost and made again.</summary>
    public int Disconnects => Volatile.Read(ref _disconnects);

    public string? LastError { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var first = true;
        var budget = new RetryBudget(retryBudget);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await check(Node, cancellationToken).ConfigureAwait(false);
                await using var connection = await RespConnection.ConnectAsync(Node, cancellationToken).ConfigureAwait(false);
                var writer = new RespWriter(256);
                writer.Command(2).Bulk("PSUBSCRIBE"u8).Bulk($"__keyevent@{database}__:*");
                await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                RespConnection.ThrowIfError(connection.Frame);
                subscribed?.Invoke();
                if (!first)
                {
                    resubscribed(this);
                }
                first = false;
                budget.Succeeded();
                _subscribed.TrySetResult();
                await ReadAsync(connection, writer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not CopyException)
            {
                LastError = ex.Message;
                Interlocked.Increment(ref _disconnects);
                if (budget.Failures > 0 || first)
                {
                    // not a connection that dropped once: the subscription cannot be made
                    failing?.Invoke(ex.Message);
                }
                lock (_lock)
                {
                    // pings lost with the connection: what they fenced is covered by the reconcile that follows
                    _pongs = _pingsSent;
                }
                var wait = budget.Failed(ex);
                try
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Completes when every notification the node sent before this call has been handed to <c>changed</c>.</summary>
    public Task BarrierAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _barriers.Add((_pingsSent + 1, done));
        }
        return done.Task;
    }

    private async Task ReadAsync(RespConnection connection, RespWriter writer, CancellationToken cancellationToken)
    {
        var sentAt = await PingAsync(connection, writer, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            if (!Handle(connection.Frame))
            {
                continue;
            }
            // a pong: fences done, then the next ping after a short wait (notifications gather in the socket meanwhile)
            var wait = PingEvery - TimeSpan.FromMilliseconds(Environment.TickCount64 - sentAt);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
            sentAt = await PingAsync(connection, writer, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<long> PingAsync(RespConnection connection, RespWriter writer, CancellationToken cancellationToken)
    {
        writer.Clear();
        writer.Command(1).Bulk("PING"u8);
        lock (_lock)
        {
            _pingsSent++;
        }
        await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
        return Environment.TickCount64;
    }

    /// <summary>A pmessage hands its key on; a pong completes the fences it covers and returns true.</summary>
    private bool Handle(ReadOnlySpan<byte> frame)
    {
        RespConnection.ThrowIfError(frame);
        var parts = RespFrame.Array(frame);
        var kind = RespFrame.String(parts.Next());
        if (kind == "pmessage")
        {
            parts.Next();
            parts.Next();
            RespFrame.TryBulk(parts.Next(), out var key);
            changed(key.ToArray());
            return false;
        }
        if (kind != "pong")
        {
            return false;
        }
        List<TaskCompletionSource> done;
        lock (_lock)
        {
            _pongs++;
            done = _barriers.Where(b => b.Ping <= _pongs).Select(b => b.Done).ToList();
            _barriers.RemoveAll(b => b.Ping <= _pongs);
        }
        done.ForEach(d => d.TrySetResult());
        return true;
    }
}
