namespace DistributedCopy.Core.Live;

// Canary, part 2: writing canaries on the master, one at a time, and what a failed write means.
internal sealed partial class Canary
{
    /// <summary>Writes the next canary unless the last one's write is still waiting (a paused or slow master): never two at once.</summary>
    public void BeatIfIdle(RedisEndpoint master, int slot, int database, CancellationToken cancellationToken)
    {
        if (_beat.IsCompleted)
        {
            _beat = BeatAsync(master, slot, database, cancellationToken);
        }
    }

    /// <summary>Writes the next canary on <paramref name="master"/> under a tag of <paramref name="slot"/>; a refusal or a failure opens a gap with its reason.</summary>
    private async Task BeatAsync(RedisEndpoint master, int slot, int database, CancellationToken cancellationToken)
    {
        long n;
        lock (_lock)
        {
            if (_suspendedSince != 0)
            {
                return;
            }
            n = ++_next;
            _pending[n] = (Environment.TickCount64, false);
        }
        var key = CanaryKeys.Key(slot, token, n);
        try
        {
            if (_connection is null || _master?.Address != master.Address)
            {
                await DropConnectionAsync().ConfigureAwait(false);
                _connection = await RespConnection.ConnectAsync(master, cancellationToken).ConfigureAwait(false);
                _master = master;
                if (database != 0)
                {
                    await _connection.ExecuteAsync("SELECT", database.ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
                }
            }
            var refused = await CanaryKeys.WriteAsync(_connection, key, cancellationToken).ConfigureAwait(false);
            if (refused is not null)
            {
                Fail(n, $"the canary write on {master.Address} was refused ({refused}); --no-canary syncs without it");
                return;
            }
            lock (_lock)
            {
                if (_pending.TryGetValue(n, out var entry))
                {
                    _pending[n] = (entry.SentAt, true);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // whatever stops a canary only makes the feed unproven: the sync's own loops report a source that is gone
            await DropConnectionAsync().ConfigureAwait(false);
            Fail(n, $"the canary write on {master.Address} failed ({ex.Message})");
        }
    }

    private void Fail(long n, string reason)
    {
        lock (_lock)
        {
            if (!_pending.Remove(n, out var entry) || _suspendedSince != 0 || _resumedAt >= entry.SentAt)
            {
                // blocked by a cutover's pause (written before or during it) and timed out: not the feed's fault
                return;
            }
            OpenGap(reason, reconcile: true);
        }
    }

    private async Task DropConnectionAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }
    }
}
