namespace DistributedCopy.Core.Live;

/// <summary>How a live sync follows its source after the snapshot.</summary>
public sealed record SyncOptions
{
    /// <summary>Set <c>notify-keyspace-events</c> on the source masters where it lacks a class sync needs (else refuse).</summary>
    public bool ConfigureNotifications { get; init; }

    /// <summary>Changed keys held before a slot's keys collapse into "reconcile the whole slot".</summary>
    public int MaxDirtyKeys { get; init; } = 1_000_000;

    /// <summary>How often per-slot key counts of both sides are compared (anti-entropy).</summary>
    public TimeSpan SweepEvery { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Skip the snapshot and reconcile every slot instead: a sync resumed after its process or worker died.</summary>
    public bool Resuming { get; init; }

    /// <summary>
    /// The slots this sync follows, of a cluster source (one worker's share on a silo cluster); null for all. Notifications
    /// of other slots are passed over, and only masters owning some of these slots are subscribed.
    /// </summary>
    public IReadOnlyList<SlotRange>? Slots { get; init; }

    /// <summary>
    /// Prove each change feed alive with a canary (a key in dcopy's namespace, set and deleted in one MULTI on the master, about
    /// once a second); false (--no-canary) for a source where no write is acceptable: no feed is proven, and a cutover
    /// compares every slot instead.
    /// </summary>
    public bool Canary { get; init; } = true;

    /// <summary>The comparer's rate: keys compared per second (on both sides) while syncing; 0 turns it off.</summary>
    public int CompareKeysPerSecond { get; init; } = 2000;

    /// <summary>Expiry further apart than this (ms) on the two sides counts as a difference, and a key expiring within it is not counted missing.</summary>
    public long TtlToleranceMs { get; init; } = 2000;

    /// <summary>Keys a cutover lists to tell expiry from difference before it counts live keys instead (a test sets it low).</summary>
    internal int CountListLimit { get; init; } = CountDifferences.Limit;

    /// <summary>By the replication stream: the position to continue from ("replid:offset:database"), null to start with a snapshot.</summary>
    public string? Position { get; init; }

    /// <summary>
    /// By the replication stream from a cluster: the slots this partition's stream writes from its start without a
    /// hand-over (its master's when the job began; empty for a master added since); null: <see cref="Slots"/>.
    /// </summary>
    public IReadOnlyList<SlotRange>? Share { get; init; }

    /// <summary>By the replication stream: the name of this sync's markers on the target (the job and partition).</summary>
    public string Name { get; init; } = "sync";

    /// <summary>Called as each slot's snapshot keys are written (the snapshot's checkpoints, for status).</summary>
    public Action<int>? SlotCopied { get; init; }
}
