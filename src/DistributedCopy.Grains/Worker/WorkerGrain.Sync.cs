using System.Collections.Concurrent;
using DistributedCopy.Abstractions;
using DistributedCopy.Core;

namespace DistributedCopy.Grains;

// WorkerGrain, part 3: a live sync's partition, followed (snapshot, then changes) until the coordinator says cut over.
public sealed partial class WorkerGrain
{
    /// <summary>
    /// Runs a live sync over the lease's slots (or database) and reports its counters and lag every period. A lease taken
    /// again (its worker or silo died) skips the snapshot and reconciles every slot before trusting notifications again.
    /// </summary>
    private async Task<bool> SyncAsync(ICoordinatorGrain coordinator, JobSpec spec, Lease lease, CopyOptions copyOptions, CancellationToken cancellationToken)
    {
        var partition = lease.Partition;
        var copied = new ConcurrentQueue<int>();
        var syncOptions = JobSpecMapping.ToSyncOptions(spec, lease, partition.IsDatabase ? null : copied.Enqueue);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _fence.Lost);
        var ended = false;
        ISyncRun? sync = null;
        Task? run = null;
        try
        {
            var source = Named(Endpoints.ToCore(spec.Source), spec);
            source = partition.IsDatabase ? source with { Database = partition.Database } : source;
            var target = Named(Endpoints.ToCore(spec.Target), spec);
            sync = spec.Capture == SyncCapture.Replication
                // continued from the position the lease carries (the last one a report committed), else from a snapshot
                ? await ReplicationSync.OpenAsync(source, target, copyOptions, syncOptions with { Position = lease.Cursor is "0" or "" ? null : lease.Cursor, Name = $"{spec.JobId}.{partition.Id}" }, linked.Token)
                : await LiveSync.OpenAsync(source, target, copyOptions, syncOptions, linked.Token);
            run = sync.RunAsync(linked.Token);
            var (reported, counted) = (new SyncProgress(), new Counters());
            var answered = 0;
            CutoverSummary? answer = null;
            Task<CutoverSummary>? checking = null;
            while (true)
            {
                if (await Task.WhenAny(run, Task.Delay(options.Value.ReportPeriod, cancellationToken)) == run)
                {
                    await run; // throws what stopped the sync
                    return false;
                }
                var now = SyncReports.Progress(sync);
                var copies = Snapshot(sync.Progress);
                var slots = Drain(copied);
                var report = new ProgressReport(partition.Id, lease.Token, slots, sync.Position, Minus(copies, counted), false, RuntimeIdentity)
                {
                    LastError = copies.Errors > counted.Errors ? sync.Progress.LastError : null,
                    Notes = sync.Progress.TakeNotes(),
                    Sync = now.Minus(reported).WithGauges(now),
                    // this partition's answer to the cutover under way, repeated until the verdict (a report may be lost)
                    Cutover = answer = checking is { IsCompleted: true } ? await checking : answer,
                };
                Directive directive;
                try
                {
                    directive = await ReportAsync(coordinator, report);
                }
                catch (Exception ex) when (ex is OrleansException or TimeoutException && !_fence.IsLost)
                {
                    // the coordinator is moving (its silo died): the sync goes on while its fence holds, and the next report carries this one's counts
                    // (leaving the partition would cost a reconcile of all its slots wherever it is leased next)
                    slots.ForEach(copied.Enqueue);
                    continue;
                }
                (reported, counted) = (now, copies);
                if (directive == Directive.Cutover && await coordinator.GetCutoverAsync() is { } order && order.Attempt > answered)
                {
                    // the checks run beside the reports (which keep the lease), the sync going on; the answer goes with
                    // the next report once ready, and the coordinator's verdict over every partition ends the sync, or not
                    answered = order.Attempt;
                    (answer, checking) = (null, CheckAsync(sync, order, cancellationToken));
                }
                else if (directive != Directive.Cutover)
                {
                    if (directive == Directive.Continue && (answer is not null || checking is not null))
                    {
                        // the verdict failed (or a dry run ended): the sync goes on as before the checks
                        await sync.FollowingAsync(cancellationToken);
                    }
                    (answer, checking) = (null, null);
                }
                if (directive is not (Directive.Continue or Directive.Cutover))
                {
                    return directive != Directive.Stop;
                }
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !_fence.IsLost && ex is not (OrleansException or TimeoutException or LeaseLostException))
        {
            await StopWorkAsync(linked, run);
            await FailLeaseAsync(coordinator, lease, ex);
            ended = true;
            return false;
        }
        finally
        {
            await StopWorkAsync(linked, run);
            if (sync is not null)
            {
                await sync.DisposeAsync();
            }
            await EndLeaseAsync(coordinator, lease, ended);
        }
    }

    /// <summary>A partition's answer to a cutover: its checks, or (whatever went wrong) one failed check saying what.</summary>
    private static async Task<CutoverSummary> CheckAsync(ISyncRun sync, CutoverOrder order, CancellationToken cancellationToken)
    {
        try
        {
            return SyncReports.Summary(await sync.CheckAsync(order.Paused, order.DryRun, TimeSpan.FromSeconds(order.TimeoutSeconds), cancellationToken), order.Attempt);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new CutoverSummary(DateTimeOffset.UtcNow, 0, 0, 0, 0, order.Paused, [$"FAILED  check: {ex.Message}"]) { Attempt = order.Attempt, DryRun = order.DryRun };
        }
    }
}
