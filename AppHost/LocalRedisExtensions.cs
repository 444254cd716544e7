using System.Globalization;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Eventing;
using DistributedCopy.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DistributedCopy.AppHost;

/// <summary>redis-server processes for a local run: the orchestrator starts and stops them; this code forms clusters and loads data.</summary>
public static class LocalRedisExtensions
{
    public static IResourceBuilder<RedisServerResource> AddRedisServer(this IDistributedApplicationBuilder builder, string name, string folder,
        IResourceBuilder<ParameterResource>? password = null, string[]? extraConfig = null)
    {
        var port = DistributedCopy.Testing.PortAllocator.Next();
        var directory = Path.Combine(folder, name);
        Directory.CreateDirectory(directory);
        var configFile = Path.Combine(directory, "redis.conf");
        var config = new List<string>
        {
            $"port {port.ToString(CultureInfo.InvariantCulture)}", "bind 127.0.0.1", "save \"\"", "appendonly no", $"dir {directory}",
            "daemonize no", "loglevel warning",
        };
        config.AddRange(extraConfig ?? []);
        var resource = new RedisServerResource(name, configFile, port, password?.Resource);
        builder.Eventing.Subscribe<BeforeStartEvent>(async (_, cancellationToken) =>
        {
            // the password is known only now (a generated parameter): written to the file the server reads, mode 0600
            if (resource.Password is { } secret)
            {
                config.Add($"requirepass {await secret.GetValueAsync(cancellationToken).ConfigureAwait(false)}");
            }
            await File.WriteAllLinesAsync(configFile, config, cancellationToken).ConfigureAwait(false);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(configFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        });
        var server = builder.AddResource(resource)
            .WithArgs(configFile)
            .WithEndpoint("tcp", e => (e.Port, e.TargetPort, e.IsProxied, e.UriScheme) = (port, port, false, "tcp"));
        // healthy once it answers PING (with its password)
        var check = $"{name}-ping";
        builder.Services.AddHealthChecks().AddAsyncCheck(check, async cancellationToken =>
        {
            try
            {
                var endpoint = new Core.Cluster.RedisEndpoint("127.0.0.1", port)
                {
                    Password = resource.Password is null ? null : await resource.Password.GetValueAsync(cancellationToken).ConfigureAwait(false),
                    Timeout = TimeSpan.FromSeconds(2),
                };
                await using var connection = await Core.Resp.RespConnection.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
                var reply = await connection.ExecuteStringAsync("PING").ConfigureAwait(false);
                return reply == "PONG" ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy() : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy(reply);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy(ex.GetType().Name);
            }
        });
        return server.WithHealthCheck(check);
    }

    public static IResourceBuilder<RedisClusterResource> AddRedisServerCluster(this IDistributedApplicationBuilder builder, string name, string folder, int masters)
    {
        string[] clusterConfig = ["cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 5000", "cluster-require-full-coverage no"];
        var nodes = Enumerable.Range(0, masters).Select(i => builder.AddRedisServer($"{name}-{i}", folder, extraConfig: clusterConfig)).ToList();
        var cluster = new RedisClusterResource(name, nodes.Select(n => n.Resource).ToList());
        foreach (var node in nodes)
        {
            node.WithParentRelationship(cluster);
        }
        builder.Eventing.Subscribe<BeforeStartEvent>((e, token) =>
        {
            var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
            var logger = e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(cluster);
            _ = FormAsync(cluster, notifications, logger);
            return Task.CompletedTask;
        });
        return builder.AddResource(cluster)
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "RedisCluster", State = KnownResourceStates.Waiting, Properties = [] })
            .ExcludeFromManifest();
    }

    public static IResourceBuilder<RedisClusterResource> WithSampleData(this IResourceBuilder<RedisClusterResource> cluster, double scale)
    {
        cluster.Resource.SampleScale = scale;
        return cluster;
    }

    /// <summary>Once every node answers: slots assigned, nodes met, cluster_state:ok everywhere, the data loaded; then Running.</summary>
    private static async Task FormAsync(RedisClusterResource cluster, ResourceNotificationService notifications, ILogger logger)
    {
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            foreach (var node in cluster.Nodes)
            {
                await notifications.WaitForResourceHealthyAsync(node.Name, deadline.Token).ConfigureAwait(false);
            }
            await notifications.PublishUpdateAsync(cluster, s => s with { State = KnownResourceStates.Starting }).ConfigureAwait(false);
            var ports = cluster.Nodes.Select(n => n.Port).ToList();
            for (var i = 0; i < ports.Count; i++)
            {
                var first = HashSlotCount * i / ports.Count;
                var last = (HashSlotCount * (i + 1) / ports.Count) - 1;
                await ExecuteAsync(ports[i], "CLUSTER", "ADDSLOTSRANGE", first.ToString(CultureInfo.InvariantCulture), last.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
                await ExecuteAsync(ports[i], "CLUSTER", "SET-CONFIG-EPOCH", (i + 1).ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
                if (i > 0)
                {
                    await ExecuteAsync(ports[i], "CLUSTER", "MEET", "127.0.0.1", ports[0].ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
                }
            }
            while (!await HealthyAsync(ports).ConfigureAwait(false))
            {
                await Task.Delay(100, deadline.Token).ConfigureAwait(false);
            }
            var keys = 0L;
            if (cluster.SampleScale > 0)
            {
                keys = (await new StandardDataSet(cluster.SampleScale).LoadAsync(new Core.Cluster.RedisEndpoint("127.0.0.1", ports[0]), deadline.Token).ConfigureAwait(false)).Total;
            }
            logger.LogInformation("cluster formed: {Masters} masters, {Keys} sample keys", ports.Count, keys);
            await notifications.PublishUpdateAsync(cluster, s => s with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
                Properties = [new("masters", ports.Count.ToString(CultureInfo.InvariantCulture)), new("sample keys", keys.ToString(CultureInfo.InvariantCulture))],
            }).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            logger.LogError("the cluster could not be formed: {Error}", ex.Message);
            await notifications.PublishUpdateAsync(cluster, s => s with { State = KnownResourceStates.FailedToStart }).ConfigureAwait(false);
        }
    }

    private const int HashSlotCount = 16384;

    private static async Task<bool> HealthyAsync(List<int> ports)
    {
        foreach (var port in ports)
        {
            var info = Core.Cluster.Topology.ParseInfo(await ExecuteAsync(port, "CLUSTER", "INFO").ConfigureAwait(false));
            if (info.GetValueOrDefault("cluster_state") != "ok" || info.GetValueOrDefault("cluster_known_nodes") != ports.Count.ToString(CultureInfo.InvariantCulture))
            {
                return false;
            }
        }
        return true;
    }

    private static async Task<string> ExecuteAsync(int port, params string[] command)
    {
        await using var connection = await Core.Resp.RespConnection.ConnectAsync(new Core.Cluster.RedisEndpoint("127.0.0.1", port) { Timeout = TimeSpan.FromSeconds(5) }).ConfigureAwait(false);
        return Core.Resp.RespFrame.String(await connection.ExecuteAsync(command).ConfigureAwait(false));
    }
}
