namespace DistributedCopy.Core.Live;

/// <summary>
/// A live sync as a worker runs it, whichever way it follows the source: by keyspace notifications (<see cref="LiveSync"/>)
/// or by the replication stream (<see cref="Replication.ReplicationSync"/>).
/// </summary>
public interface ISyncRun : IAsyncDisposable
{
    /// <summary>The snapshot's counters.</summary>
    CopyProgress Progress { get; }

    SyncStats Stats { get; }

    /// <summary>Where a sync taken up again continues from (its checkpoint), or null when it reconciles instead.</summary>
    string? Position { get; }

    /// <summary>Takes the snapshot (or continues), then follows the source until cancelled or failed.</summary>
    Task RunAsync(CancellationToken cancellationToken = default);

    /// <summary>The cutover's checks (<paramref name="paused"/>: the caller holds the source's writes paused meanwhile).</summary>
    Task<CutoverReport> CheckAsync(bool paused, bool dryRun, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>The cutover under way, if any, did not end the sync: it goes on as before the checks.</summary>
    Task FollowingAsync(CancellationToken cancellationToken = default);

    /// <summary>After a cutover that passed: nothing of dcopy's is left on the target.</summary>
    Task CompleteAsync(CancellationToken cancellationToken = default);
}
