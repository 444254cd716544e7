namespace DistributedCopy.Core.Live;

/// <summary>
/// The source's writes paused for a cutover, for as long as it needs and not a second more: <c>CLIENT PAUSE 2000 WRITE</c> on
/// every master of a topology read right before, renewed every half second (a renewal only moves the server's end forward),
/// so a dcopy that dies leaves the source paused for two seconds at most. <see cref="HeldThroughout"/> says whether every
/// renewal was acknowledged before the previous one could have run out. When the cutover passes, <see cref="HoldAsync"/>
/// sets the end to exactly the hold the operator asked for; otherwise <see cref="ReleaseAsync"/> ends it at once.
/// </summary>
public sealed class PauseLease : IAsyncDisposable
{
    public static readonly TimeSpan Length = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RenewEvery = TimeSpan.FromMilliseconds(500);
    private readonly List<(RedisEndpoint Master, RespConnection Connection)> _masters;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewing;
    private long _lastSent;
    private int _renewals;
    private string? _lapse;

    private PauseLease(List<(RedisEndpoint, RespConnection)> masters, long sent)
    {
        _masters = masters;
        _lastSent = sent;
        PausedAt = DateTime.UtcNow;
        _renewing = RenewAsync(_stop.Token);
    }

    public IReadOnlyList<RedisEndpoint> Masters => [.. _masters.Select(m => m.Master)];

    /// <summary>When every master had taken the pause (UTC).</summary>
    public DateTime PausedAt { get; }

    /// <summary>Null while the pause has held without a gap (and holds now); else why it may have lapsed.</summary>
    public string? Lapse => Volatile.Read(ref _lapse)
        ?? (Environment.TickCount64 > Volatile.Read(ref _lastSent) + (long)Length.TotalMilliseconds ? "the pause was not renewed in time and ran out" : null);

    public bool HeldThroughout => Lapse is null;

    public int Renewals => Volatile.Read(ref _renewals);

    /// <summary>Pauses writes on every master; null (nothing left paused, the reason in <paramref name="checks"/>) where one refuses or does not answer.</summary>
    public static async Task<PauseLease?> StartAsync(IReadOnlyList<RedisEndpoint> masters, List<string> checks, CancellationToken cancellationToken)
    {
        var taken = new List<(RedisEndpoint, RespConnection)>();
        var sent = Environment.TickCount64;
        foreach (var master in masters)
        {
            RespConnection? connection = null;
            try
            {
                connection = await RespConnection.ConnectAsync(master, cancellationToken).ConfigureAwait(false);
                await connection.ExecuteAsync("CLIENT", "PAUSE", Millis(Length), "WRITE").ConfigureAwait(false);
                taken.Add((master, connection));
            }
            catch (Exception ex) when (ex is RespException or TimeoutException or IOException)
            {
                if (connection is not null)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
                checks.Add($"FAILED  pause: CLIENT PAUSE refused on {master.Address} ({ex.Message}): the masters paused so far are released; allow CLIENT PAUSE for dcopy's user (ACL +client|pause +client|unpause), or cut over without --pause-writes once the application has stopped writing");
                await UnpauseAsync(taken, checks).ConfigureAwait(false);
                return null;
            }
        }
        return new PauseLease(taken, sent);
    }

    /// <summary>Stops renewing (the pause runs out within <see cref="Length"/> unless held or released): before the verdict reads <see cref="Lapse"/>.</summary>
    public Task FreezeAsync() => StopRenewingAsync();

    /// <summary>
    /// The pause ends <paramref name="hold"/> from now and is no longer renewed; returns when (UTC). A server only moves its
    /// pause's end forward, so a hold shorter than what is left of the last renewal ends with that instead.
    /// </summary>
    public async Task<DateTime> HoldAsync(TimeSpan hold, List<string> checks)
    {
        await StopRenewingAsync().ConfigureAwait(false);
        var left = TimeSpan.FromMilliseconds(Math.Max(0, Volatile.Read(ref _lastSent) + (long)Length.TotalMilliseconds - Environment.TickCount64));
        var until = DateTime.UtcNow + (hold > left ? hold : left);
        foreach (var (master, connection) in _masters)
        {
            try
            {
                // the server keeps the later of its current end (under 2 s away) and this one
                await connection.ExecuteAsync("CLIENT", "PAUSE", Millis(hold), "WRITE").ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RespException or TimeoutException or IOException)
            {
                checks.Add($"note    the hold could not be set on {master.Address} ({ex.Message}): its writes resume within {Length.TotalSeconds:0} s");
            }
        }
        return until;
    }

    /// <summary>Ends the pause on every master now.</summary>
    public async Task ReleaseAsync(List<string> checks)
    {
        await StopRenewingAsync().ConfigureAwait(false);
        await UnpauseAsync(_masters, checks).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopRenewingAsync().ConfigureAwait(false);
        foreach (var (_, connection) in _masters)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        _stop.Dispose();
    }

    private async Task StopRenewingAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }
        await _renewing.ConfigureAwait(false);
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RenewEvery, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var sent = Environment.TickCount64;
            foreach (var (master, connection) in _masters)
            {
                try
                {
                    await connection.ExecuteAsync("CLIENT", "PAUSE", Millis(Length), "WRITE").ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is RespException or TimeoutException or IOException)
                {
                    Interlocked.CompareExchange(ref _lapse, $"the pause could not be renewed on {master.Address} ({ex.Message})", null);
                }
            }
            // every master took this renewal before the previous one (sent earlier, so run no earlier) could have ended
            if (Environment.TickCount64 > Volatile.Read(ref _lastSent) + (long)Length.TotalMilliseconds)
            {
                Interlocked.CompareExchange(ref _lapse, $"a renewal of the pause took {Environment.TickCount64 - sent} ms: it may have lapsed", null);
            }
            Volatile.Write(ref _lastSent, sent);
            Interlocked.Increment(ref _renewals);
        }
    }

    private static async Task UnpauseAsync(IEnumerable<(RedisEndpoint Master, RespConnection Connection)> masters, List<string> checks)
    {
        foreach (var (master, connection) in masters)
        {
            try
            {
                await connection.ExecuteAsync("CLIENT", "UNPAUSE").ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RespException or TimeoutException or IOException)
            {
                checks.Add($"note    CLIENT UNPAUSE failed on {master.Address} ({ex.Message}): its writes resume within {Length.TotalSeconds:0} s");
            }
        }
    }

    private static string Millis(TimeSpan span) => ((long)span.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
