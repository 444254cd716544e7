namespace DistributedCopy.Core.Live;

/// <summary>
/// Proof that one change feed works: about once a second a write made on purpose on the master the feed follows —
/// <c>MULTI; SET dcopy:canary:{tag}:&lt;sync&gt;:&lt;n&gt; 1 PX 60000; DEL …; EXEC</c>, so the key never exists outside
/// the transaction and nothing is left behind — must come back through the feed within <see cref="Deadline"/>. The
/// feed is proven up to the moment the last canary that came back was written. A canary that does not come back in time
/// (notifications switched off, a subscription that hears nothing, a write refused) opens a gap: the feed is unproven,
/// with the reason, until a later canary comes back; the slots it carries are then reconciled (<c>reproven</c>).
/// Time is <see cref="Environment.TickCount64"/> milliseconds.
/// </summary>
internal sealed partial class Canary(string token, Action<Canary>? reproven) : IAsyncDisposable
{
    /// <summary>The prefix of every canary key: changes to such keys are never copied.</summary>
    public static ReadOnlySpan<byte> Prefix => "dcopy:canary:"u8;

    public static readonly TimeSpan Every = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(3);

    private readonly object _lock = new();
    /// <summary>Canaries written and not seen: when each was sent, and whether its EXEC was answered (it ran on the master).</summary>
    private readonly SortedDictionary<long, (long SentAt, bool Ran)> _pending = [];
    private RespConnection? _connection;
    private RedisEndpoint? _master;
    private long _next;
    private long _provenAt;
    private long _continuousSince;
    private bool _gap = true;
    private bool _reconcileOnProof;
    private long _suspendedSince;
    private long _resumedAt;
    private long _subscribedAt;
    private bool _everSubscribed;
    private Task _beat = Task.CompletedTask;

    /// <summary>Why the feed is unproven (null while it is proven).</summary>
    public string? Unproven { get; private set; } = "no canary has come back yet";

    /// <summary>When the last canary that came back was written (tick count; 0 for never).</summary>
    public long ProvenAt
    {
        get
        {
            lock (_lock)
            {
                return _provenAt;
            }
        }
    }

    /// <summary>Since when the feed has been proven with no gap (tick count); 0 while a gap is open.</summary>
    public long ContinuousSince
    {
        get
        {
            lock (_lock)
            {
                return _gap ? 0 : _continuousSince;
            }
        }
    }

    /// <summary>True when <paramref name="key"/> is a canary key (anyone's: never copied); proves this feed when it is one of this canary's.</summary>
    public static bool IsCanary(ReadOnlySpan<byte> key) => key.StartsWith(Prefix);

    /// <summary>A canary key came through the feed: each of ours proves the feed up to when it was written.</summary>
    public void Received(ReadOnlySpan<byte> key)
    {
        // dcopy:canary:{tag}:<token>:<n>
        var text = System.Text.Encoding.ASCII.GetString(key);
        var parts = text.Split(':');
        if (parts.Length != 5 || parts[3] != token || !long.TryParse(parts[4], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n))
        {
            return;
        }
        var reconcile = false;
        lock (_lock)
        {
            if (!_pending.Remove(n, out var entry))
            {
                // the DEL of a canary whose SET came back already
                return;
            }
            var sentAt = entry.SentAt;
            // every canary written before this one and not seen was lost by the feed: a gap, closed by this one
            var lost = _pending.Keys.Where(k => k < n).ToList();
            foreach (var k in lost)
            {
                _pending.Remove(k);
            }
            if (lost.Count > 0)
            {
                OpenGap("a canary written before this one never came back: notifications were lost", reconcile: true);
            }
            _provenAt = sentAt;
            if (_gap)
            {
                _gap = false;
                // proven from the subscription that carried this canary, when nothing else broke since it was made
                _continuousSince = _subscribedAt > 0 && _subscribedAt <= sentAt ? _subscribedAt : sentAt;
                reconcile = _reconcileOnProof;
                _reconcileOnProof = false;
                Unproven = null;
            }
        }
        if (reconcile)
        {
            reproven?.Invoke(this);
        }
    }

    /// <summary>
    /// A subscription was made (the first, or again after it was lost). Again: unproven until a canary comes back, then
    /// proven from this moment (what it missed before is reconciled by the resubscription itself).
    /// </summary>
    public void Subscribed()
    {
        lock (_lock)
        {
            if (_everSubscribed)
            {
                _gap = true;
                Unproven = "its subscription was made again: no canary has come back through it yet";
                _pending.Clear();
            }
            _everSubscribed = true;
            _subscribedAt = Environment.TickCount64;
        }
    }

    /// <summary>The subscription cannot be made (refused, unreachable): unproven, with the reason.</summary>
    public void Failing(string reason)
    {
        lock (_lock)
        {
            OpenGap("its subscription cannot be made: " + reason, reconcile: true);
        }
    }

    /// <summary>notify-keyspace-events no longer covers every write (the sweep re-reads it): unproven until it does and a canary comes back.</summary>
    public void SettingLacks(string reason)
    {
        lock (_lock)
        {
            OpenGap(reason, reconcile: true);
            _pending.Clear();
        }
    }

    /// <summary>Opens a gap (under the lock): the feed is unproven; what it carried since is reconciled once proven again.</summary>
    private void OpenGap(string reason, bool reconcile)
    {
        if (!_gap)
        {
            _reconcileOnProof |= reconcile;
        }
        _gap = true;
        _subscribedAt = 0;
        Unproven = reason;
    }

    /// <summary>
    /// After a barrier through the feed passed with the source paused: every canary whose write ran before the pause came
    /// back (null), or why not. A canary that ran and was not seen means the feed lost notifications.
    /// </summary>
    public string? RanAndLost()
    {
        lock (_lock)
        {
            var lost = _pending.Where(p => p.Value.Ran).Select(p => p.Key).ToList();
            return lost.Count == 0 ? null : $"canary #{lost[0]} ran on the master before the pause and never came back through the feed";
        }
    }

    /// <summary>
    /// The source's writes are paused (a cutover): canaries wait in the server, so they are not judged until
    /// <see cref="Resume"/>, which gives those still out a fresh deadline.
    /// </summary>
    public void Suspend()
    {
        lock (_lock)
        {
            _suspendedSince = _suspendedSince == 0 ? Environment.TickCount64 : _suspendedSince;
        }
    }

    public void Resume()
    {
        lock (_lock)
        {
            var now = Environment.TickCount64;
            foreach (var k in _pending.Keys.ToList())
            {
                _pending[k] = (Math.Max(_pending[k].SentAt, now - (long)Every.TotalMilliseconds), _pending[k].Ran);
            }
            _suspendedSince = 0;
            _resumedAt = now;
        }
    }

    public bool Suspended
    {
        get
        {
            lock (_lock)
            {
                return _suspendedSince != 0;
            }
        }
    }

    /// <summary>Canaries overdue open a gap (unless suspended).</summary>
    public void Check()
    {
        lock (_lock)
        {
            if (_suspendedSince != 0 || _pending.Count == 0)
            {
                return;
            }
            var (n, entry) = _pending.First();
            var age = Environment.TickCount64 - entry.SentAt;
            if (age <= Deadline.TotalMilliseconds)
            {
                return;
            }
            _pending.Clear();
            OpenGap($"the canary written {age / 1000.0:F1} s ago (#{n}) has not come back: keyspace notifications are off or lost", reconcile: true);
        }
    }

    public async ValueTask DisposeAsync() => await DropConnectionAsync().ConfigureAwait(false);
}
