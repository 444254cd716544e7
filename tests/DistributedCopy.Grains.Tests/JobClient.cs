using DistributedCopy.Abstractions;
using DistributedCopy.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DistributedCopy.Grains.Tests;

/// <summary>An Orleans client of the silo cluster, with a helper that polls a job's status.</summary>
public sealed class JobClient : IAsyncDisposable
{
    private readonly IHost _host;

    private JobClient(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    public static async Task<JobClient> ConnectAsync(RedisServer control, string clusterId)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(c => c.UseControlRedis(StackExchange.Redis.ConfigurationOptions.Parse(control.Endpoint.Address), clusterId));
        var host = builder.Build();
        await host.StartAsync();
        return new JobClient(host);
    }

    public ICoordinatorGrain Job(string jobId) => Client.GetGrain<ICoordinatorGrain>(jobId);

    /// <summary>Polls the job until <paramref name="until"/> holds; retries through a silo's death.</summary>
    public async Task<JobStatus> WaitAsync(string jobId, Func<JobStatus, bool> until, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JobStatus? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await Job(jobId).GetStatusAsync();
                if (until(last))
                {
                    return last;
                }
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"job {jobId} did not get there within {timeout}: last {last}");
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
