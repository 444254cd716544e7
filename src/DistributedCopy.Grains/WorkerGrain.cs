using System.Diagnostics;
using DistributedCopy.Abstractions;
using DistributedCopy.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DistributedCopy.Grains;

/// <summary>
/// Leases a partition, copies (or verifies) it with the engine, reports done slots every second, repeats. The loop runs
/// in the background of the activation, never inside a grain call; the coordinator's calls to
/// <see cref="EnsureRunningAsync"/> start it again after a re-activation on another silo.
/// </summary>
[SpreadPlacement]
public sealed partial class WorkerGrain(IOptions<JobOptions> options, ILogger<WorkerGrain> logger) : Grain, IWorkerGrain
{
    private readonly CancellationTokenSource _stop = new();
    private readonly WriteFence _fence = new();
    private Task? _loop;
    private CopyEngine? _engine;
    private bool _engineResuming;

    private string JobId => this.GetPrimaryKeyString()[..this.GetPrimaryKeyString().LastIndexOf('/')];

    private int Index => int.Parse(this.GetPrimaryKeyString()[(this.GetPrimaryKeyString().LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    public Task<string> EnsureRunningAsync()
    {
        if (_loop is null || _loop.IsCompleted)
        {
            _loop = RunAsync(_stop.Token);
        }
        return Task.FromResult(RuntimeIdentity);
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await Task.WhenAny(_loop, Task.Delay(TimeSpan.FromSeconds(5), cancellationToken));
        }
        if (_loop is null || _loop.IsCompleted)
        {
            _fence.Dispose();
        }
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        var coordinator = GrainFactory.GetGrain<ICoordinatorGrain>(JobId);
        try
        {
            var spec = await coordinator.GetSpecAsync();
            while (spec is not null && !cancellationToken.IsCancellationRequested)
            {
                var asked = Environment.TickCount64;
                var lease = await coordinator.LeaseAsync(Index);
                if (lease is null)
                {
                    return;
                }
                _fence.Start(lease.ValidFor, asked);
                using var beating = new CancellationTokenSource();
                var heartbeat = HeartbeatAsync(coordinator, lease, beating.Token);
                try
                {
                    if (!await WorkAsync(coordinator, spec, lease, cancellationToken))
                    {
                        return;
                    }
                }
                finally
                {
                    await beating.CancelAsync();
                    await heartbeat;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or OrleansException or LeaseLostException)
        {
            // stopped, the lease ran out, or the coordinator is moving: the coordinator's next tick starts the loop again
        }
        finally
        {
            await DropEngineAsync();
        }
    }

    /// <summary>
    /// Renews the lease's fence a few times per span while the lease is worked, by a call the coordinator answers even while
    /// busy with another (a slow report, a cutover's pause, a file's checksum being checked before the first report). An
    /// answer "not yours" stops the renewals: the fence then runs out unless a report renews it.
    /// </summary>
    private async Task HeartbeatAsync(ICoordinatorGrain coordinator, Lease lease, CancellationToken stop)
    {
        var period = TimeSpan.FromMilliseconds(Math.Max(200, lease.ValidFor.TotalMilliseconds / 5));
        while (!stop.IsCancellationRequested && !_fence.IsLost)
        {
            try
            {
                await Task.Delay(period, stop);
                var sent = Environment.TickCount64;
                if (!await coordinator.HeartbeatAsync(lease.Partition.Id, lease.Token).WaitAsync(_fence.Lost))
                {
                    return;
                }
                _fence.Renew(sent);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException)
            {
                // no answer this time: the next beat tries again, and the fence runs out if none comes
            }
        }
    }

    /// <summary>
    /// Reports to the coordinator; an answer renews the lease's fence from when the report was sent. A call still unanswered
    /// when the fence runs out ends with it (<see cref="OperationCanceledException"/>): the lease is gone or unknown.
    /// </summary>
    private async Task<Directive> ReportAsync(ICoordinatorGrain coordinator, ProgressReport report)
    {
        var sent = Environment.TickCount64;
        var directive = await coordinator.ReportAsync(Index, report).WaitAsync(_fence.Lost);
        if (directive is Directive.Continue or Directive.Cutover)
        {
            _fence.Renew(sent);
        }
        return directive;
    }

    /// <summary>
    /// After a lease's work stopped: a fence that ran out drops the engine (its connections, cut at once), and a lease the
    /// coordinator may still fence (told to stop, lost, fenced) is released so the partition can move on without waiting;
    /// a release of a lease taken over by another worker changes nothing.
    /// </summary>
    private async Task EndLeaseAsync(ICoordinatorGrain coordinator, Lease lease, bool ended)
    {
        if (_fence.IsLost)
        {
            LogFenced(logger, JobId, Index, lease.Partition.Id);
            await DropEngineAsync();
        }
        if (!ended)
        {
            try
            {
                await coordinator.ReleaseAsync(Index, lease.Token).WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException)
            {
                // the coordinator is moving: the lease expires there instead
            }
        }
    }

    /// <summary>Works one lease; false when the worker should stop.</summary>
    private async Task<bool> WorkAsync(ICoordinatorGrain coordinator, JobSpec spec, Lease lease, CancellationToken cancellationToken)
    {
        var copyOptions = Endpoints.ToCopyOptions(spec, lease.Resumed) with { Fence = _fence };
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

    /// <summary>The endpoint with this worker's connection name ("dcopy-&lt;job tag&gt;-w&lt;worker&gt;"), seen in `CLIENT LIST`.</summary>
    private RedisEndpoint Named(RedisEndpoint endpoint, JobSpec spec) => endpoint with { ClientName = $"dcopy-{Endpoints.JobTag(spec.JobId)}-w{Index}" };

    private async Task TryReportAsync(ICoordinatorGrain coordinator, ProgressReport report)
    {
        try
        {
            await coordinator.ReportAsync(Index, report).WaitAsync(_fence.Lost);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            // the coordinator is moving: the checkpoint stays where the last report left it
        }
    }

    /// <summary>Any error the engine could not retry away pauses the job with its reason; no silent restart of the lease.</summary>
    private async Task FailLeaseAsync(ICoordinatorGrain coordinator, Lease lease, Exception ex)
    {
        var message = ex is CopyException or Core.Resp.RespException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
        LogFailed(logger, JobId, Index, lease.Partition.Id, message);
        await coordinator.FailAsync(Index, lease.Partition.Id, lease.Token, message, pause: true).WaitAsync(_fence.Lost);
    }

    [LoggerMessage(11, LogLevel.Warning, "Job {JobId}: worker {Worker} lost its lease of partition {Partition} (no answer from the coordinator in time) and stopped writing")]
    private static partial void LogFenced(ILogger logger, string jobId, int worker, int partition);

    [LoggerMessage(10, LogLevel.Warning, "Job {JobId}: worker {Worker} stops on partition {Partition}: {Message}")]
    private static partial void LogFailed(ILogger logger, string jobId, int worker, int partition, string message);
}
