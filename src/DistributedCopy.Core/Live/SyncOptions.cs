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

    /// <summary>Called as each slot's snapshot keys are written (the snapshot's checkpoints, for status).</summary>
    public Action<int>? SlotCopied { get; init; }
}
