using DistributedCopy.Abstractions;
using DistributedCopy.Core;

namespace DistributedCopy.Grains;

/// <summary>
/// What a copy, verify or load lease reports, one report at a time: what was done since the last report, taken together with
/// the checkpoint it covers (slots done, position), so a report that is not applied ends the lease and none is lost that a
/// later one would have to carry. Verify commits its slots and cursor only with its counts, at the end.
/// </summary>
internal sealed class LeaseReports
{
    private readonly Lease _lease;
    private readonly string _worker;
    private Counters _reported = new();
    private KeysWritten _written;
    private KeysWritten _rewritten;

    public LeaseReports(Lease lease, string worker)
    {
        (_lease, _worker) = (lease, worker);
        // the keys earlier leases counted for a database (a SCAN that starts over from the start writes them again)
        _written = lease.Before is { } b ? new KeysWritten(b.Keys, b.Skipped, b.Vanished) : default;
        Ledger = new CheckpointLedger(_written);
    }

    /// <summary>The lease's checkpoint and the keys it covers, read together for each report.</summary>
    public CheckpointLedger Ledger { get; }

    /// <summary>The work's counters from here on are the lease's (a shared engine's go on from its last lease's).</summary>
    public void Started(LeaseWork work) => _reported = work.Before;

    public ProgressReport Next(LeaseWork work, bool finished)
    {
        var atEnd = work.CommitsAtEnd;
        var progress = work.Progress;
        var now = WorkerGrain.Snapshot(progress);
        var taken = atEnd && !finished ? null : Ledger.Take();
        // keys, skipped and vanished as the ledger counted them with the checkpoint (less, when a listing started over
        // moved them to the keys written again); the rest as the engine counts them
        var counters = atEnd ? new Counters() : WorkerGrain.Minus(now, _reported) with
        {
            Keys = taken!.Written.Copied - _written.Copied,
            Skipped = taken.Written.Skipped - _written.Skipped,
            Vanished = taken.Written.Vanished - _written.Vanished,
            Recopied = taken.Rewritten.Copied - _rewritten.Copied,
        };
        var report = new ProgressReport(_lease.Partition.Id, _lease.Token, taken?.SlotsDone ?? [], taken?.Position, counters, finished, _worker,
            atEnd && finished ? WorkerGrain.ToReport(work.Result!) : null)
        {
            LastError = now.Errors > _reported.Errors ? progress.LastError : null,
            Notes = progress.TakeNotes(),
            Guard = progress.SourceLatencyMs is { } latency ? new SourceGuardReading(latency, progress.HeldAtKeysPerSecond) : null,
            Unsettled = atEnd ? null : new Counters(Keys: taken!.Unsettled.Copied, Skipped: taken.Unsettled.Skipped, Vanished: taken.Unsettled.Vanished),
        };
        _reported = now;
        _written = taken?.Written ?? _written;
        _rewritten = taken?.Rewritten ?? _rewritten;
        return report;
    }
}
