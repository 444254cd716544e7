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

    private WorkerKey Key => WorkerKey.Parse(this.GetPrimaryKeyString());

    private string JobId => Key.JobId;

    private int Index => Key.Index;

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

    /// <summary>The endpoint with this worker's connection name ("dcopy-&lt;job tag&gt;-w&lt;worker&gt;"), seen in `CLIENT LIST`.</summary>
    private RedisEndpoint Named(RedisEndpoint endpoint, JobSpec spec) => endpoint with { ClientName = $"dcopy-{JobSpecMapping.JobTag(spec.JobId)}-w{Index}" };

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
