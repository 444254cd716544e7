namespace DistributedCopy.Core.Live;

/// <summary>A live sync's counters, safe to read while it runs.</summary>
public sealed class SyncStats
{
    private long _changes;
    private long _applied;
    private long _deleted;
    private long _reconciles;
    private long _resubscribes;

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

    internal Func<int>? PendingNow { get; set; }

    internal Func<double>? LagNow { get; set; }

    /// <summary>Live (snapshot done, following changes) or still copying the snapshot.</summary>
    public bool Live { get; internal set; }

    internal void AddChange()
    {
        Interlocked.Increment(ref _changes);
        Instruments.SyncChanges.Add(1);
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

    public override string ToString() =>
        $"live={Live} changes={Changes} applied={Applied} deleted={Deleted} pending={Pending} lag={LagSeconds:F2}s reconciles={Reconciles} resubscribes={Resubscribes}";
}
