using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using StackExchange.Redis;

namespace DistributedCopy.Grains;

public static class ClientSetup
{
    /// <summary>A client of a silo cluster: finds the gateways through the control Redis; fails over in seconds.</summary>
    public static IClientBuilder UseControlRedis(this IClientBuilder client, ConfigurationOptions control, string clusterId)
    {
        client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, SiloSetup.ServiceId));
        client.UseRedisClustering(o => o.ConfigurationOptions = control.Clone());
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
        // silos started with the client (an orchestrator starts them together) may not have joined yet: try again for a while
        var giveUpAt = DateTime.UtcNow + ConnectWait;
        client.UseConnectionRetryFilter(async (_, cancellationToken) =>
        {
            if (DateTime.UtcNow >= giveUpAt)
            {
                return false;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            return true;
        });
        return client;
    }

    /// <summary>How long a client waits for the first silo of its cluster to take it.</summary>
    public static readonly TimeSpan ConnectWait = TimeSpan.FromSeconds(20);

    /// <summary>A client of the embedded silo another dcopy on this machine hosts: its gateway on a loopback port.</summary>
    public static IClientBuilder UseEmbeddedGateway(this IClientBuilder client, int gatewayPort, string clusterId = SiloSetup.EmbeddedClusterId)
    {
        client.UseLocalhostClustering(gatewayPort, SiloSetup.ServiceId, clusterId);
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
        return client;
    }
}
