namespace DistributedCopy.Core.Live;

/// <summary>A live sync's counters, safe to read while it runs.</summary>
public sealed class SyncStats
{
    private long _changes;
    private long _applied;
    private long _deleted;
    private long _reconciles;
    private long _resubscribes;
    private long _reproven;
    private long _compared;
    private long _repaired;
    private long _passes;
    private long _passAt;

    /// <summary>Keyspace notifications received.</summary>
    public long Changes => Interlocked.Read(ref _changes);

    /// <summary>Changed keys written to the target (re-read from the source).</summary>
    public long Applied => Interlocked.Read(ref _applied);

    /// <summary>Changed keys deleted on the target because the source no longer had them.</summary>
    public long Deleted => Interlocked.Read(ref _deleted);

    /// <summary>Slots (or databases) reconciled after a gap: a lost subscription, a count that did not match, an overflow.</summary>
    public long Reconciles => Interlocked.Read(ref _reconciles);

    /// <summary>Subscriptions lost and made again.</summary>
    public long Resubscribes => Interlocked.Read(ref _resubscribes);

    /// <summary>Changed keys waiting to be applied, or being applied.</summary>
    public int Pending => PendingNow?.Invoke() ?? 0;

    /// <summary>Age of the oldest change not yet applied (waiting or being applied): how far the target is behind, in seconds.</summary>
    public double LagSeconds => LagNow?.Invoke() ?? 0;

    /// <summary>A feed not proven now ("node: why"), null when every feed is: the lag is then unknown.</summary>
    public string? Unproven => UnprovenNow?.Invoke();

    /// <summary>Feeds proven again after a gap (their slots reconciled).</summary>
    public long Reproven => Interlocked.Read(ref _reproven);

    /// <summary>Keys the comparer compared on both sides.</summary>
    public long Compared => Interlocked.Read(ref _compared);

    /// <summary>Keys the comparer found different and had applied again.</summary>
    public long Repaired => Interlocked.Read(ref _repaired);

    /// <summary>Full passes of the comparer over this sync's slots.</summary>
    public long ComparePasses => Interlocked.Read(ref _passes);

    /// <summary>When the last full pass ended (UTC), or null.</summary>
    public DateTimeOffset? LastPassAt => Interlocked.Read(ref _passAt) is var at and > 0 ? new DateTimeOffset(at, TimeSpan.Zero) : null;

    /// <summary>How far the current pass is (0 to 1).</summary>
    public double PassShare { get; internal set; }

    internal Func<string?>? UnprovenNow { get; set; }

    internal Func<int>? PendingNow { get; set; }

    internal Func<double>? LagNow { get; set; }

    /// <summary>A sync by the replication stream: bytes of the stream received and not yet applied.</summary>
    public long LagBytes => LagBytesNow?.Invoke() ?? 0;

    /// <summary>A sync by the replication stream: the position the target holds ("replid:offset:database"), else null.</summary>
    public string? Position => PositionNow?.Invoke();

    internal Func<long>? LagBytesNow { get; set; }

    internal Func<string?>? PositionNow { get; set; }

    /// <summary>Live (snapshot done, following changes) or still copying the snapshot.</summary>
    public bool Live
    {
        get => Volatile.Read(ref _live);
        internal set => Volatile.Write(ref _live, value);
    }

    private bool _live;

    internal void AddChange()
    {
        Interlocked.Increment(ref _changes);
        Instruments.SyncChanges.Add(1);
    }

    internal void AddChanges(long changes)
    {
        Interlocked.Add(ref _changes, changes);
        Instruments.SyncChanges.Add(changes);
    }

    internal void AddApplied(long written, long deleted)
    {
        Interlocked.Add(ref _applied, written);
        Interlocked.Add(ref _deleted, deleted);
        Instruments.SyncApplied.Add(written + deleted);
    }

    internal void AddReconciles(long buckets)
    {
        Interlocked.Add(ref _reconciles, buckets);
        Instruments.SyncReconciles.Add(buckets);
    }

    internal void AddResubscribe() => Interlocked.Increment(ref _resubscribes);

    internal void AddReproven() => Interlocked.Increment(ref _reproven);

    internal void AddCompared(long keys)
    {
        Interlocked.Add(ref _compared, keys);
        Instruments.SyncCompared.Add(keys);
    }

    internal void AddRepaired()
    {
        Interlocked.Increment(ref _repaired);
        Instruments.SyncRepaired.Add(1);
    }

    internal void AddPass()
    {
        Interlocked.Increment(ref _passes);
        Interlocked.Exchange(ref _passAt, DateTime.UtcNow.Ticks);
    }

    public override string ToString() =>
        $"live={Live} unproven={Unproven ?? "-"} compared={Compared} repaired={Repaired} changes={Changes} applied={Applied} deleted={Deleted} pending={Pending} lag={LagSeconds:F2}s reconciles={Reconciles} resubscribes={Resubscribes}";
}
