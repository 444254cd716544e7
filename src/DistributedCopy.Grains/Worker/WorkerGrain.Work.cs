using System.Diagnostics;
using DistributedCopy.Abstractions;
using DistributedCopy.Core;

namespace DistributedCopy.Grains;

// WorkerGrain, part 4: a copy, verify or RDB-load lease worked (a sync's is part 3), and the engine kept across copy leases.
public sealed partial class WorkerGrain
{
    /// <summary>Works one lease; false when the worker should stop.</summary>
    private async Task<bool> WorkAsync(ICoordinatorGrain coordinator, JobSpec spec, Lease lease, CancellationToken cancellationToken)
    {
        var copyOptions = JobSpecMapping.ToCopyOptions(spec, lease.Resumed) with { Fence = _fence };
        if (lease.Kind == JobKind.Sync)
        {
            return await SyncAsync(coordinator, spec, lease, copyOptions, cancellationToken);
        }
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _fence.Lost);
        var ended = false;
        // the lease's checkpoint (slots done, position) and the keys it covers, read together for each report
        // (with the keys earlier leases counted for a database, which a SCAN that starts over from the start writes again)
        var before = lease.Before is { } b ? new KeysWritten(b.Keys, b.Skipped, b.Vanished) : default;
        var ledger = new CheckpointLedger(before);
        var reported = new Counters();
        var written = before;
        var rewritten = default(KeysWritten);
        CopyEngine? engine = null;
        Verifier? verifier = null;
        RdbLoader? loader = null;
        Task? work = null;
        CopyProgress? progress = null;
        // the next report: what was done since the last one; verify commits its slots and cursor only with its counts, at the end
        ProgressReport Next(bool finished)
        {
            var verifying = lease.Kind == JobKind.Verify;
            var now = Snapshot(progress!);
            // taken (slots, counts) as the report is made: a report that is not applied ends the lease, so none is lost that
            // a later report of the lease would have to carry
            var taken = verifying && !finished ? null : ledger.Take();
            // keys, skipped and vanished as the ledger counted them with the checkpoint (less, when a listing started over
            // moved them to the keys written again); the rest as the engine counts them
            var counters = verifying ? new Counters() : Minus(now, reported) with
            {
                Keys = taken!.Written.Copied - written.Copied,
                Skipped = taken.Written.Skipped - written.Skipped,
                Vanished = taken.Written.Vanished - written.Vanished,
                Recopied = taken.Rewritten.Copied - rewritten.Copied,
            };
            var report = new ProgressReport(lease.Partition.Id, lease.Token, taken?.SlotsDone ?? [], taken?.Position, counters, finished, RuntimeIdentity,
                verifying && finished ? ToReport(verifier!.Result) : null)
            {
                LastError = now.Errors > reported.Errors ? progress!.LastError : null,
                Notes = progress!.TakeNotes(),
                Guard = progress.SourceLatencyMs is { } latency ? new SourceGuardReading(latency, progress.HeldAtKeysPerSecond) : null,
                Unsettled = verifying ? null : new Counters(Keys: taken!.Unsettled.Copied, Skipped: taken.Unsettled.Skipped, Vanished: taken.Unsettled.Vanished),
            };
            reported = now;
            written = taken?.Written ?? written;
            rewritten = taken?.Rewritten ?? rewritten;
            return report;
        }

        ActivityContext.TryParse(lease.TraceParent, null, out var job);
        using var span = Instruments.Source.StartActivity("partition", ActivityKind.Internal, job);
        span?.SetTag("distributedcopy.partition", lease.Partition.Id);
        span?.SetTag("distributedcopy.slots", lease.Slots.Count);
        span?.SetTag("distributedcopy.worker", Index);
        try
        {
            // password references resolve here, in the silo that connects: one it cannot resolve pauses the job, naming it
            var source = Named(Endpoints.ToCore(spec.Source), spec);
            var target = Named(Endpoints.ToCore(spec.Target), spec);
            var partition = lease.Partition;
            if (lease.Kind == JobKind.Verify)
            {
                verifier = await Verifier.OpenAsync(source, target, copyOptions, spec.TtlToleranceMs, spec.MaxExamples, linked.Token);
                work = partition.IsDatabase
                    ? verifier.VerifyDatabaseAsync(partition.Database, lease.Cursor, ledger.Committed, linked.Token)
                    : verifier.VerifySlotsAsync(SlotRange.Of(lease.Slots), ledger.SlotDone, linked.Token);
            }
            else if (partition.FileIndex >= 0)
            {
                // an RDB file: this silo reads it at the path the job names, if it is the file the job started with
                var file = spec.Files[partition.FileIndex];
                loader = await RdbLoader.OpenAsync(file.Path, target, copyOptions, linked.Token, file.Fingerprint);
                work = loader.LoadAsync(partition.Database, lease.Cursor, ledger, linked.Token, spec.Databases);
            }
            else
            {
                engine = await EngineAsync(source, target, copyOptions, lease.Resumed, linked.Token);
                // a shared engine's counters go on from its last lease's: this lease's are what they add from here (taken
                // before the work starts, which counts from its first step)
                reported = Snapshot(engine.Progress);
                work = partition.IsDatabase
                    ? engine.CopyDatabaseAsync(partition.Database, lease.Cursor, ledger, linked.Token)
                    : engine.CopySlotsAsync(SlotRange.Of(lease.Slots), ledger, linked.Token);
            }
            progress = engine?.Progress ?? loader?.Progress ?? verifier!.Progress;
            while (true)
            {
                var finished = await Task.WhenAny(work, Task.Delay(options.Value.ReportPeriod, cancellationToken)) == work;
                if (finished)
                {
                    await work; // throws what the copy threw
                }
                var directive = await ReportAsync(coordinator, Next(finished));
                if (finished || directive != Directive.Continue)
                {
                    // a partition reported done is released by that report
                    ended = finished && directive != Directive.LeaseLost;
                    return directive != Directive.Stop;
                }
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !_fence.IsLost && ex is not (OrleansException or TimeoutException or LeaseLostException))
        {
            await StopWorkAsync(linked, work);
            await DropEngineAsync();
            if (progress is not null)
            {
                // what was written before the failure is committed first: a resume starts right at the failure
                await TryReportAsync(coordinator, Next(false));
            }
            await FailLeaseAsync(coordinator, lease, ex);
            ended = true;
            return false;
        }
        finally
        {
            // a lost lease, a stop, or a report that did not get through: no batch of this lease may still be writing
            // when the worker takes another lease (or the job ends)
            await StopWorkAsync(linked, work);
            if (verifier is not null)
            {
                await verifier.DisposeAsync();
            }
            await EndLeaseAsync(coordinator, lease, ended);
        }
    }

    /// <summary>
    /// The engine of this worker's copy leases: opened once and kept across leases (its views of both sides, its batch pool,
    /// the payload sizes it learned), not once per lease; a lease that failed drops it, so the next opens a fresh one.
    /// </summary>
    private async Task<CopyEngine> EngineAsync(RedisEndpoint source, RedisEndpoint target, CopyOptions copyOptions, bool resuming, CancellationToken cancellationToken)
    {
        if (_engine is null || _engineResuming != resuming)
        {
            await DropEngineAsync();
            _engine = await CopyEngine.OpenAsync(source, target, copyOptions, cancellationToken);
            _engineResuming = resuming;
        }
        return _engine;
    }

    private async Task DropEngineAsync()
    {
        if (_engine is not null)
        {
            await _engine.DisposeAsync();
            _engine = null;
        }
    }
}
