using DistributedCopy.Abstractions;
using DistributedCopy.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistributedCopy.Cli;

// JobHost, part 2: the embedded silo hosted for a job, or attached to as a client when another dcopy on this machine runs it.
public sealed partial class JobHost
{
    /// <summary>How long a command that attaches waits for the job's holder to answer, or to let go of it.</summary>
    private static readonly TimeSpan AttachWait = TimeSpan.FromSeconds(30);

    private static async Task<JobHost> HostAsync(HostApplicationBuilder builder, string stateDirectory, string jobId, JobLock.Held stateLock, bool attach, CancellationToken cancellationToken)
    {
        var gateway = SiloSetup.FreeLoopbackPort();
        // a command that only looks at jobs starts none (a job its dcopy left behind waits for `dcopy resume`)
        builder.UseOrleans(silo => silo.UseEmbedded(stateDirectory, gateway, runsJobs: !attach, SiloSetup.EmbeddedClusterOf(jobId)));
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            stateLock.Dispose();
            throw;
        }
        // the port only: the state directory is the user's own (0700), and the gateway listens on loopback
        JobLock.WriteGateway(stateDirectory, jobId, gateway, runs: !attach);
        return new JobHost(host, stateLock, embedded: true, JobLock.GatewayFile(stateDirectory, jobId));
    }

    /// <summary>
    /// A client of the silo the job's holder runs, through the gateway port it wrote there; null when that silo
    /// does not take the client and answer a first call (it may be stopping: the caller looks at the lock again).
    /// </summary>
    private static async Task<(JobHost? Host, string? Why)> TryAttachAsync(int port, string clusterId, DateTime giveUpAt, CancellationToken cancellationToken)
    {
        var builder = NewBuilder();
        builder.UseOrleansClient(c => c.UseEmbeddedGateway(port, clusterId));
        var clientHost = builder.Build();
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // a silo busy with a job (a cutover, a hold) on a loaded machine can take a while to take a new client
            deadline.CancelAfter(giveUpAt - DateTime.UtcNow + TimeSpan.FromSeconds(1));
            await clientHost.StartAsync(deadline.Token);
            var grains = clientHost.Services.GetRequiredService<IGrainFactory>();
            await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(5), deadline.Token);
            return (new JobHost(clientHost, null, embedded: false, attached: true), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await StopQuietlyAsync(clientHost);
            return (null, ex.GetType().Name);
        }
    }

    private static async Task StopQuietlyAsync(IHost host)
    {
        try
        {
            await host.StopAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception)
        {
            // a client that never connected has nothing to stop cleanly
        }
        host.Dispose();
    }
}
