using System.Globalization;

namespace DistributedCopy.Testing;

/// <summary>
/// A real Redis Cluster of N masters (and optional replicas), every node a process of its own on loopback. Proxied, each
/// node announces the port of its own <see cref="FaultProxy"/>, so every client connection (and each replica's link to its
/// master) goes through a proxy, while the cluster bus stays direct: a stalled proxy looks like a network fault to clients
/// only and starts no failover.
/// </summary>
public sealed partial class RedisCluster : IAsyncDisposable
{
    private readonly string _directory;

    private RedisCluster(string directory, IReadOnlyList<RedisServer> nodes, IReadOnlyList<FaultProxy> proxies, RedisServerOptions options)
    {
        _directory = directory;
        Nodes = nodes;
        Proxies = proxies;
        Options = options;
    }

    /// <summary>The nodes; their own endpoints bypass the proxies (for fixture work that must not meet an injected fault).</summary>
    public IReadOnlyList<RedisServer> Nodes { get; }

    /// <summary>One proxy per node, same index as <see cref="Nodes"/>; empty unless the cluster was started proxied.</summary>
    public IReadOnlyList<FaultProxy> Proxies { get; }

    public RedisServerOptions Options { get; }

    /// <summary>A seed endpoint (the first node, through its proxy if proxied) with the cluster's credentials and TLS settings.</summary>
    public RedisEndpoint Endpoint => Proxies.Count > 0 ? Nodes[0].Endpoint.WithAddress("127.0.0.1", Proxies[0].Port) : Nodes[0].Endpoint;

    public static async Task<RedisCluster> StartAsync(int masters, int replicasPerMaster = 0, RedisServerOptions? options = null, bool proxied = false,
        CancellationToken cancellationToken = default)
    {
        options ??= new RedisServerOptions();
        var directory = Path.Combine(Path.GetTempPath(), "dcopy-tests", "cluster-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var nodes = new List<RedisServer>();
        var proxies = new List<FaultProxy>();
        try
        {
            var certificates = options.Tls ? TestCertificates.Create(Path.Combine(directory, "tls")) : null;
            string[] clusterConfig = ["cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 5000", "cluster-require-full-coverage no"];
            var starts = Enumerable.Range(0, masters * (1 + replicasPerMaster))
                .Select(_ => RedisServer.StartAsync(options, directory, cancellationToken, certificates, clusterConfig));
            nodes.AddRange(await Task.WhenAll(starts).ConfigureAwait(false));
            if (proxied)
            {
                foreach (var node in nodes)
                {
                    proxies.Add(FaultProxy.Start(node.Port));
                    await AnnounceAsync(node, proxies[^1].Port, options.Tls).ConfigureAwait(false);
                }
            }
            var cluster = new RedisCluster(directory, nodes, proxies, options);
            if (masters >= 3)
            {
                var args = new List<string> { "--cluster", "create" };
                args.AddRange(nodes.Select(n => "127.0.0.1:" + n.Port));
                args.AddRange(["--cluster-replicas", replicasPerMaster.ToString(CultureInfo.InvariantCulture), "--cluster-yes"]);
                await cluster.RunCliAsync(args, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // redis-cli refuses fewer than 3 masters: assign the slots by hand.
                if (replicasPerMaster > 0)
                {
                    throw new ArgumentException("replicas need 3 or more masters", nameof(replicasPerMaster));
                }
                for (var i = 0; i < nodes.Count; i++)
                {
                    var start = HashSlot.Count * i / nodes.Count;
                    var end = (HashSlot.Count * (i + 1) / nodes.Count) - 1;
                    await nodes[i].ExecuteAsync("CLUSTER", "ADDSLOTSRANGE", start.ToString(CultureInfo.InvariantCulture), end.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
                    await nodes[i].ExecuteAsync("CLUSTER", "SET-CONFIG-EPOCH", (i + 1).ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
                    if (i > 0)
                    {
                        await nodes[i].ExecuteAsync("CLUSTER", "MEET", "127.0.0.1", nodes[0].Port.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
                    }
                }
            }
            await cluster.WaitHealthyAsync(cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            foreach (var proxy in proxies)
            {
                await proxy.DisposeAsync().ConfigureAwait(false);
            }
            foreach (var node in nodes)
            {
                await node.DisposeAsync().ConfigureAwait(false);
            }
            RedisServer.TryDelete(directory);
            throw;
        }
    }

    /// <summary>Waits until every node reports cluster_state:ok, all slots served and every node known, and every replica is linked.</summary>
    public async Task WaitHealthyAsync(CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var healthy = true;
            foreach (var node in Nodes)
            {
                var replication = Topology.ParseInfo(await node.ExecuteAsync("INFO", "replication").ConfigureAwait(false));
                // a replica counts once its link to the master is up (it has the master's data)
                healthy &= replication.GetValueOrDefault("role") != "slave" || replication.GetValueOrDefault("master_link_status") == "up";
                var info = Topology.ParseInfo(await node.ExecuteAsync("CLUSTER", "INFO").ConfigureAwait(false));
                healthy &= info.GetValueOrDefault("cluster_state") == "ok"
                    && info.GetValueOrDefault("cluster_slots_ok") == HashSlot.Count.ToString(CultureInfo.InvariantCulture)
                    && info.GetValueOrDefault("cluster_known_nodes") == Nodes.Count.ToString(CultureInfo.InvariantCulture);
            }
            if (healthy)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the cluster did not reach cluster_state:ok on every node within 30 s");
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Calls of <paramref name="command"/> that did not fail, summed over every node (writes counted where they land).</summary>
    public async Task<long> SucceededCallsAsync(string command)
    {
        long total = 0;
        foreach (var node in Nodes)
        {
            total += await node.SucceededCallsAsync(command).ConfigureAwait(false);
        }
        return total;
    }

    /// <summary>The current masters, read from the cluster.</summary>
    public async Task<IReadOnlyList<RedisServer>> MastersAsync()
    {
        var topology = await Topology.ReadAsync(Endpoint).ConfigureAwait(false);
        var ports = topology.Shards.Select(s => s.Master.Port).ToHashSet();
        return Nodes.Where((n, i) => ports.Contains(Proxies.Count > 0 ? Proxies[i].Port : n.Port)).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var proxy in Proxies)
        {
            await proxy.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var node in Nodes.Concat(_removed))
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }
        RedisServer.TryDelete(_directory);
    }
}
