using DistributedCopy.Abstractions;
using DistributedCopy.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistributedCopy.Cli;

/// <summary>
/// Where jobs run: an in-process silo with its state in files (embedded, the default), or a silo cluster reached through
/// its control Redis (<c>--control</c>). A command that only looks at or steers a job (status, cutover, cancel) attaches
/// to the embedded silo of the dcopy that holds the job (its lock in the state directory), through that silo's gateway on loopback.
/// </summary>
public sealed partial class JobHost : IAsyncDisposable
{
    private IHost _host;
    private JobLock.Held? _lock;
    private string? _gatewayFile;

    private JobHost(IHost host, JobLock.Held? stateLock, bool embedded, string? gatewayFile = null, bool attached = false)
    {
        _host = host;
        _lock = stateLock;
        _gatewayFile = gatewayFile;
        Embedded = embedded;
        Attached = attached;
    }

    /// <summary>The job runs in this process (its silo stops when this process does).</summary>
    public bool Embedded { get; private set; }

    /// <summary>A client of the embedded silo another dcopy on this machine runs (the job's holder).</summary>
    public bool Attached { get; private set; }

    /// <summary>Attached to a dcopy that runs the job (not one that only looks at it, as a `status` does).</summary>
    public bool HolderRuns { get; private set; }

    /// <summary>Where the job lives, for messages: "in the state directory …", "in the dcopy running on …", "on the silo cluster".</summary>
    public string Where(string stateDirectory) => Embedded ? "in the state directory " + stateDirectory
        : Attached ? $"in the dcopy running on the state directory {stateDirectory}" : "on the silo cluster";

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    /// <param name="attach">
    /// The command only looks at or steers a job: where another dcopy holds the job, attach to its silo
    /// instead of refusing.
    /// </param>
    public static Task<JobHost> StartAsync(System.CommandLine.ParseResult parse, string jobId, CancellationToken cancellationToken, bool attach = false)
    {
        var control = parse.GetValue(CliOptions.Control) is { } text
            ? ControlRedis.Parse(text, parse.GetValue(CliOptions.ControlPassword.File), parse.GetValue(CliOptions.ControlPassword.Env))
            : null;
        // TLS is for a silo cluster's gateways; an embedded silo's gateway listens on loopback for this user's dcopy only
        var tls = control is null ? null : CliOptions.SiloTlsOf(parse);
        return StartAsync(control, parse.GetValue(CliOptions.StateDir)!, jobId, parse.GetValue(CliOptions.ClusterId)!, cancellationToken, attach, tls);
    }

    public static async Task<JobHost> StartAsync(Core.Cluster.RedisEndpoint? control, string stateDirectory, string jobId, string clusterId, CancellationToken cancellationToken, bool attach = false,
        Grains.SiloTls? tls = null)
    {
        var builder = NewBuilder();
        if (control is not null)
        {
            var options = ControlRedis.Options(control);
            builder.UseOrleansClient(c =>
            {
                c.UseControlRedis(options, clusterId);
                tls?.Apply(c);
            });
            var clientHost = builder.Build();
            try
            {
                await clientHost.StartAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                clientHost.Dispose();
                // Orleans' and the Redis client's messages may quote the configuration: name the address only
                throw new CliException(ExitCodes.CannotConnect, $"cannot reach a silo through the control Redis {control.Address} ({ex.GetType().Name})"
                    + (tls is null ? "; if the silos use TLS, give --silo-cert and --silo-ca" : "; are the silos running, and is dcopy's --silo-cert signed by their --silo-ca?"));
            }
            return new JobHost(clientHost, null, embedded: false);
        }
        // a holder that is stopping (its job ended) deletes its gateway file first: an attacher then waits for the lock
        var giveUpAt = DateTime.UtcNow + AttachWait;
        string? why = null;
        while (true)
        {
            var stateLock = JobLock.Take(stateDirectory, jobId, attach);
            if (stateLock is not null)
            {
                return await HostAsync(builder, stateDirectory, jobId, stateLock, attach, cancellationToken);
            }
            var port = JobLock.GatewayPort(stateDirectory, jobId);
            if (port is not null)
            {
                (var attached, why) = await TryAttachAsync(port.Value, SiloSetup.EmbeddedClusterOf(jobId), giveUpAt, cancellationToken);
                if (attached is not null)
                {
                    attached.HolderRuns = JobLock.Runs(stateDirectory, jobId);
                    return attached;
                }
            }
            if (DateTime.UtcNow >= giveUpAt)
            {
                var inUse = $"job {jobId} is running in another dcopy on the state directory {stateDirectory}";
                throw port is null
                    ? new CliException(ExitCodes.BadInput, inUse + " that does not say how to reach its jobs (it is starting or stopping): try again in a moment")
                    : new CliException(ExitCodes.CannotConnect, $"{inUse}, and its silo does not answer on 127.0.0.1:{port} ({why})");
            }
            await Task.Delay(250, cancellationToken);
        }
    }

    private static HostApplicationBuilder NewBuilder()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDistributedCopyTelemetry("dcopy", Environment.GetEnvironmentVariable("DCOPY_OTEL_CONSOLE") == "1");
        return builder;
    }

    /// <summary>A host started for a job that will not run (its checks failed): stopped, whatever became of its start.</summary>
    public static async Task AbandonAsync(Task<JobHost> hosting)
    {
        try
        {
            await (await hosting).DisposeAsync();
        }
        catch (Exception)
        {
            // the start failed too (a state directory in use, no silo): the check's error is the one to tell
        }
    }

    public async ValueTask DisposeAsync()
    {
        // no new client attaches to a silo about to stop: one that finds no gateway file waits for the lock instead
        try
        {
            if (_gatewayFile is not null)
            {
                File.Delete(_gatewayFile);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // the state directory went away: the silo stops all the same
        }
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            _host.Dispose();
            _lock?.Dispose();
            PhaseClock.Mark("silo stopped");
        }
    }

    /// <summary>
    /// The job the command names, or a bad-input error saying where it was looked for. Attached to another dcopy's silo that
    /// stops meanwhile (its job ended), this looks again: at the silo of whoever holds the job now, or its own.
    /// </summary>
    public async Task<ICoordinatorGrain> FindJobAsync(System.CommandLine.ParseResult parse, CancellationToken cancellationToken) =>
        (await FindJobWithSpecAsync(parse, cancellationToken)).Job;

    /// <inheritdoc cref="FindJobAsync"/>
    public async Task<(ICoordinatorGrain Job, JobSpec Spec)> FindJobWithSpecAsync(System.CommandLine.ParseResult parse, CancellationToken cancellationToken)
    {
        var id = parse.GetValue(CliOptions.JobId)!;
        var stateDirectory = parse.GetValue(CliOptions.StateDir)!;
        var giveUpAt = DateTime.UtcNow + AttachWait;
        while (true)
        {
            var job = Grains.GetGrain<ICoordinatorGrain>(id);
            try
            {
                return await job.GetSpecAsync() is { } spec
                    ? (job, spec)
                    : throw new CliException(ExitCodes.BadInput, $"no job {id} {Where(stateDirectory)}");
            }
            catch (Exception ex) when (Attached && ex is TimeoutException or OrleansException && DateTime.UtcNow < giveUpAt)
            {
                // Ctrl+C ends the looking (the attach waits up to 30 s for a holder that is stopping)
                var again = await StartAsync(null, stateDirectory, id, "", cancellationToken, attach: true);
                await StopQuietlyAsync(_host);
                (_host, _lock, _gatewayFile, Embedded, Attached, HolderRuns) = (again._host, again._lock, again._gatewayFile, again.Embedded, again.Attached, again.HolderRuns);
            }
        }
    }
}
