using System.Diagnostics;
using DistributedCopy.Abstractions;
using DistributedCopy.Core;

namespace DistributedCopy.Grains;

// WorkerGrain, part 4: the lease-and-report loop of a copy, verify or RDB-load lease (each kind of work a LeaseWork; a sync's
// is part 3), and the engine kept across copy leases.
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
        var reports = new LeaseReports(lease, RuntimeIdentity);
        LeaseWork? work = null;

        ActivityContext.TryParse(lease.TraceParent, null, out var job);
        using var span = Instruments.Source.StartActivity("partition", ActivityKind.Internal, job);
        span?.SetTag("distributedcopy.partition", lease.Partition.Id);
        span?.SetTag("distributedcopy.slots", lease.Slots.Count);
        span?.SetTag("distributedcopy.worker", Index);
        try
        {
            work = await StartWorkAsync(spec, lease, copyOptions, reports.Ledger, linked.Token);
            reports.Started(work);
            while (true)
            {
                var finished = await Task.WhenAny(work.Running, Task.Delay(options.Value.ReportPeriod, cancellationToken)) == work.Running;
                if (finished)
                {
                    await work.Running; // throws what the work threw
                }
                var directive = await ReportAsync(coordinator, reports.Next(work, finished));
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
            await StopWorkAsync(linked, work?.Running);
            await DropEngineAsync();
            if (work is not null)
            {
                // what was written before the failure is committed first: a resume starts right at the failure
                await TryReportAsync(coordinator, reports.Next(work, false));
            }
            await FailLeaseAsync(coordinator, lease, ex);
            ended = true;
            return false;
        }
        finally
        {
            // a lost lease, a stop, or a report that did not get through: no batch of this lease may still be writing
            // when the worker takes another lease (or the job ends)
            await StopWorkAsync(linked, work?.Running);
            if (work is not null)
            {
                await work.DisposeAsync();
            }
            await EndLeaseAsync(coordinator, lease, ended);
        }
    }

    /// <summary>The lease's kind of work, started; password references resolve here, in the silo that connects (one it cannot resolve pauses the job, naming it).</summary>
    private async Task<LeaseWork> StartWorkAsync(JobSpec spec, Lease lease, CopyOptions copyOptions, CheckpointLedger ledger, CancellationToken cancellationToken)
    {
        var source = Named(Endpoints.ToCore(spec.Source), spec);
        var target = Named(Endpoints.ToCore(spec.Target), spec);
        if (lease.Kind == JobKind.Verify)
        {
            return await VerifyWork.StartAsync(source, target, copyOptions, spec, lease, ledger, cancellationToken);
        }
        if (lease.Partition.FileIndex >= 0)
        {
            return await LoadWork.StartAsync(target, copyOptions, spec, lease, ledger, cancellationToken);
        }
        return new CopyWork(await EngineAsync(source, target, copyOptions, lease.Resumed, cancellationToken), lease, ledger, cancellationToken);
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
