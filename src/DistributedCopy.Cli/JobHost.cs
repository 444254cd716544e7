using DistributedCopy.Abstractions;
using DistributedCopy.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistributedCopy.Cli;

/// <summary>
/// Where jobs run: an in-process silo with its state in files (embedded, the default), or a silo cluster reached through
/// its control Redis (<c>--control</c>).
/// </summary>
public sealed class JobHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly FileStream? _lock;

    private JobHost(IHost host, FileStream? stateLock, bool embedded)
    {
        _host = host;
        _lock = stateLock;
        Embedded = embedded;
    }

    public bool Embedded { get; }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public static Task<JobHost> StartAsync(System.CommandLine.ParseResult parse, CancellationToken cancellationToken) =>
        StartAsync(parse.GetValue(CliOptions.Control) is { } control ? CliOptions.ControlPassword.Apply(parse, EndpointParser.Parse(control, "control")).Endpoint : null,
            parse.GetValue(CliOptions.StateDir)!, parse.GetValue(CliOptions.ClusterId)!, cancellationToken);

    public static async Task<JobHost> StartAsync(Core.Cluster.RedisEndpoint? control, string stateDirectory, string clusterId, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDistributedCopyTelemetry("dcopy", Environment.GetEnvironmentVariable("DCOPY_OTEL_CONSOLE") == "1");
        if (control is not null)
        {
            var options = ControlOptions(control);
            builder.UseOrleansClient(c => c.UseControlRedis(options, clusterId));
            var clientHost = builder.Build();
            try
            {
                await clientHost.StartAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                clientHost.Dispose();
                // Orleans' and the Redis client's messages may quote the configuration: name the address only
                throw new CliException(ExitCodes.CannotConnect, $"cannot reach a silo through the control Redis {control.Address} ({ex.GetType().Name})");
            }
            return new JobHost(clientHost, null, embedded: false);
        }
        var stateLock = LockStateDirectory(stateDirectory);
        builder.UseOrleans(silo => silo.UseEmbedded(stateDirectory));
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return new JobHost(host, stateLock, embedded: true);
    }

    public static StackExchange.Redis.ConfigurationOptions ControlOptions(Core.Cluster.RedisEndpoint endpoint)
    {
        var options = new StackExchange.Redis.ConfigurationOptions
        {
            User = endpoint.User,
            Password = endpoint.Password,
            Ssl = endpoint.UseTls,
            AbortOnConnectFail = false,
            DefaultDatabase = endpoint.Database,
        };
        options.EndPoints.Add(endpoint.Host, endpoint.Port);
        return options;
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

    /// <summary>One dcopy at a time per state directory: two would overwrite each other's checkpoints.</summary>
    private static FileStream LockStateDirectory(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
            return new FileStream(Path.Combine(directory, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new CliException(ExitCodes.BadInput, $"the state directory {directory} is in use by another dcopy");
        }
        catch (UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.BadInput, $"the state directory {directory} cannot be written");
        }
    }

    /// <summary>The job the command names, or a bad-input error saying where it was looked for.</summary>
    public async Task<ICoordinatorGrain> FindJobAsync(System.CommandLine.ParseResult parse)
    {
        var id = parse.GetValue(CliOptions.JobId)!;
        var job = Grains.GetGrain<ICoordinatorGrain>(id);
        return await job.GetSpecAsync() is null
            ? throw new CliException(ExitCodes.BadInput, $"no job {id} {(Embedded ? "in the state directory " + parse.GetValue(CliOptions.StateDir) : "on the silo cluster")}")
            : job;
    }
}
