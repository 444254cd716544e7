using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using StackExchange.Redis;

namespace DistributedCopy.Grains;

/// <summary>How a silo of this product is set up: the grains' storage and reminders, membership timings, job options.</summary>
public static class SiloSetup
{
    public const string ServiceId = "dcopy";

    /// <summary>Cluster mode: membership, grain state and reminders on the control Redis.</summary>
    public static ISiloBuilder UseControlRedis(this ISiloBuilder silo, ConfigurationOptions control, string clusterId, MembershipTimings timings)
    {
        silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, ServiceId));
        silo.UseRedisClustering(o => o.ConfigurationOptions = control.Clone());
        // Orleans' own binary serializer, so persisted records evolve by their [Id]s like everything else on the wire
        silo.AddRedisGrainStorage(JobStorage.Name, (OptionsBuilder<Orleans.Persistence.RedisStorageOptions> ob) => ob.Configure<Serializer>((o, serializer) =>
        {
            o.ConfigurationOptions = control.Clone();
            o.GrainStorageSerializer = new Orleans.Storage.OrleansGrainStorageSerializer(serializer);
        }));
        silo.UseRedisReminderService(o => o.ConfigurationOptions = control.Clone());
        silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(10));
        silo.Configure<JobOptions>(o => o.ReminderPeriod = TimeSpan.FromSeconds(10));
        silo.Services.AddPlacementDirector<SpreadPlacement, SpreadPlacementDirector>();
        return silo.UseSmallDirectoryCache().UseTimings(timings);
    }

    /// <summary>The cluster id of an embedded silo (and of the clients that attach to it through its gateway).</summary>
    public const string EmbeddedClusterId = "embedded";

    /// <summary>The cluster id of the embedded silo that holds job <paramref name="jobId"/>.</summary>
    public static string EmbeddedClusterOf(string jobId) => EmbeddedClusterId + "-" + FileGrainStorage.SafeName(jobId);

    /// <summary>
    /// Embedded mode: one silo in this process on free loopback ports (Orleans refuses port 0), job state in files under
    /// <paramref name="stateDirectory"/>; its gateway on <paramref name="gatewayPort"/> lets another dcopy on this machine
    /// reach its jobs (status, cutover, cancel). <paramref name="runsJobs"/> false: a silo to look at jobs, which starts none.
    /// </summary>
    /// <param name="clusterId">The job's own (<see cref="EmbeddedClusterOf"/>) where several dcopy share a state directory: a client that reaches another job's silo (a port used again) is turned away.</param>
    public static ISiloBuilder UseEmbedded(this ISiloBuilder silo, string stateDirectory, int gatewayPort, bool runsJobs = true, string clusterId = EmbeddedClusterId)
    {
        silo.Configure<JobOptions>(o => (o.RunsJobs, o.SoleSilo) = (runsJobs, true));
        Directory.CreateDirectory(stateDirectory);
        silo.UseLocalhostClustering(FreeLoopbackPort(), gatewayPort, serviceId: ServiceId, clusterId: clusterId);
        silo.Services.AddGrainStorage(JobStorage.Name, (sp, _) => new FileGrainStorage(stateDirectory, sp.GetRequiredService<Serializer>()));
        silo.UseInMemoryReminderService();
        silo.Services.AddPlacementDirector<SpreadPlacement, SpreadPlacementDirector>();
        return silo.UseSmallDirectoryCache();
    }

    /// <summary>
    /// A job has a coordinator and a few workers: the grain directory's cache is sized for them, not for Orleans' default
    /// million entries, whose preallocated tables alone took 18 MB of every silo's memory.
    /// </summary>
    private static ISiloBuilder UseSmallDirectoryCache(this ISiloBuilder silo) => silo.Configure<GrainDirectoryOptions>(o => o.CacheSize = 10_000);

    public static int FreeLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static ISiloBuilder UseTimings(this ISiloBuilder silo, MembershipTimings timings)
    {
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = timings.ProbeTimeout;
            o.MaxProbeTimeout = timings.ProbeTimeout;
            o.NumMissedProbesLimit = timings.MissedProbesLimit;
            o.DeathVoteExpirationTimeout = timings.DeathVoteExpiration;
            o.TableRefreshTimeout = timings.TableRefresh;
            o.IAmAliveTablePublishTimeout = timings.IAmAlivePublish;
        });
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = timings.ResponseTimeout);
        return silo;
    }
}
