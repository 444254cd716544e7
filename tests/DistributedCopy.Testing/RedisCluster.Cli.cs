using System.Diagnostics;
using System.Globalization;

namespace DistributedCopy.Testing;

// RedisCluster, part 2: redis-cli against the cluster, and announcing proxies.
public sealed partial class RedisCluster
{
    /// <summary>
    /// Makes a node announce its proxy's port to clients and its real bus port to the other nodes. Set before
    /// <c>redis-cli --cluster create</c>: it talks to the real ports given to it, but its final check connects to the
    /// announced ones, so the proxies must already forward. CONFIG REWRITE keeps the announcement across a restart.
    /// </summary>
    private static async Task AnnounceAsync(RedisServer node, int proxyPort, bool tls)
    {
        var busPort = (node.Port + PortAllocator.BusOffset).ToString(CultureInfo.InvariantCulture);
        // with tls-cluster the port clients are told is the TLS one, which has its own announce setting
        var portSetting = tls ? "cluster-announce-tls-port" : "cluster-announce-port";
        await node.ExecuteAsync("CONFIG", "SET", portSetting, proxyPort.ToString(CultureInfo.InvariantCulture), "cluster-announce-bus-port", busPort).ConfigureAwait(false);
        await node.ExecuteAsync("CONFIG", "REWRITE").ConfigureAwait(false);
    }

    public async Task<string> RunCliAsync(IEnumerable<string> arguments, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(RedisBinaries.Cli)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in CliConnectionArguments(Endpoint).Concat(arguments))
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start redis-cli");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', arguments.Take(2))} failed ({process.ExitCode}): {await error.ConfigureAwait(false)}{await output.ConfigureAwait(false)}");
        }
        return await output.ConfigureAwait(false);
    }

    /// <summary>redis-cli's flags for auth and TLS (the password goes through the REDISCLI_AUTH-free --pass flag; tests only).</summary>
    public static IEnumerable<string> CliConnectionArguments(RedisEndpoint endpoint)
    {
        if (endpoint.UseTls)
        {
            yield return "--tls";
            if (endpoint.CaCertificatePath is not null)
            {
                yield return "--cacert";
                yield return endpoint.CaCertificatePath;
            }
        }
        if (endpoint.Password is not null)
        {
            if (endpoint.User is not null)
            {
                yield return "--user";
                yield return endpoint.User;
            }
            yield return "--pass";
            yield return endpoint.Password;
            yield return "--no-auth-warning";
        }
    }

    /// <summary>
    /// Grows the cluster by one master (not proxied, no TLS): a node started beside the others, joined with
    /// <c>redis-cli --cluster add-node</c>, then given <paramref name="slots"/> slots from every master with their keys
    /// (<c>--cluster reshard</c>, MIGRATE). It is stopped with the cluster.
    /// </summary>
    public async Task<RedisServer> AddMasterAsync(int slots, CancellationToken cancellationToken = default)
    {
        string[] clusterConfig = ["cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 5000", "cluster-require-full-coverage no"];
        var node = await RedisServer.StartAsync(Options, _directory, cancellationToken, null, clusterConfig).ConfigureAwait(false);
        ((List<RedisServer>)Nodes).Add(node);
        var existing = "127.0.0.1:" + Nodes[0].Port.ToString(CultureInfo.InvariantCulture);
        await RunCliAsync(["--cluster", "add-node", "127.0.0.1:" + node.Port.ToString(CultureInfo.InvariantCulture), existing], cancellationToken).ConfigureAwait(false);
        var id = await IdAsync(node).ConfigureAwait(false);
        // every node must know the new one before slots move to it
        await WaitHealthyAsync(cancellationToken).ConfigureAwait(false);
        await RunCliAsync(["--cluster", "reshard", existing, "--cluster-from", "all", "--cluster-to", id, "--cluster-slots",
            slots.ToString(CultureInfo.InvariantCulture), "--cluster-yes"], cancellationToken).ConfigureAwait(false);
        await WaitHealthyAsync(cancellationToken).ConfigureAwait(false);
        return node;
    }

    /// <summary>Nodes removed from the cluster (<see cref="RemoveMasterAsync"/>), still stopped with it.</summary>
    private readonly List<RedisServer> _removed = [];

    /// <summary>Moves <paramref name="count"/> of <paramref name="from"/>'s slots to <paramref name="to"/> with their keys (<c>--cluster reshard</c>, MIGRATE).</summary>
    public async Task MoveSlotsAsync(RedisServer from, RedisServer to, int count, CancellationToken cancellationToken = default)
    {
        var existing = "127.0.0.1:" + to.Port.ToString(CultureInfo.InvariantCulture);
        await RunCliAsync(["--cluster", "reshard", existing, "--cluster-from", await IdAsync(from).ConfigureAwait(false), "--cluster-to", await IdAsync(to).ConfigureAwait(false),
            "--cluster-slots", count.ToString(CultureInfo.InvariantCulture), "--cluster-yes"], cancellationToken).ConfigureAwait(false);
        await WaitHealthyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes a master out of the cluster as an operator shrinking it does: every slot moved to <paramref name="to"/> with its
    /// keys, then <c>--cluster del-node</c> (the node forgets the cluster; it keeps running, alone, until the cluster stops).
    /// </summary>
    public async Task RemoveMasterAsync(RedisServer node, RedisServer to, CancellationToken cancellationToken = default)
    {
        if (Proxies.Count > 0)
        {
            throw new InvalidOperationException("a proxied cluster keeps one proxy per node: remove no node from it");
        }
        var topology = await Topology.ReadAsync(node.Endpoint, cancellationToken).ConfigureAwait(false);
        var slots = topology.Shards.Single(s => s.Master.Port == node.Port).Slots.Sum(r => r.End - r.Start + 1);
        await MoveSlotsAsync(node, to, slots, cancellationToken).ConfigureAwait(false);
        var id = await IdAsync(node).ConfigureAwait(false);
        await RunCliAsync(["--cluster", "del-node", "127.0.0.1:" + to.Port.ToString(CultureInfo.InvariantCulture), id], cancellationToken).ConfigureAwait(false);
        ((List<RedisServer>)Nodes).Remove(node);
        _removed.Add(node);
        await WaitHealthyAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string> IdAsync(RedisServer node) => (await node.ExecuteAsync("CLUSTER", "MYID").ConfigureAwait(false)).Trim();

    /// <summary>
    /// <c>CLUSTER FAILOVER</c> on <paramref name="replica"/>, waited for until it is a master (60 s at most). A coordinated
    /// failover gives up when the master is slow to pause on a loaded machine (seen in CI): asked again after 15 s, without
    /// the master's agreement (FORCE).
    /// </summary>
    public static async Task FailOverAsync(RedisServer replica)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        await replica.ExecuteAsync("CLUSTER", "FAILOVER").ConfigureAwait(false);
        var asked = DateTime.UtcNow;
        while (!(await replica.ExecuteAsync("INFO", "replication").ConfigureAwait(false)).Contains("role:master", StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{replica.Endpoint.Address} was not promoted within 60 s");
            }
            if (DateTime.UtcNow - asked > TimeSpan.FromSeconds(15))
            {
                await replica.ExecuteAsync("CLUSTER", "FAILOVER", "FORCE").ConfigureAwait(false);
                asked = DateTime.UtcNow;
            }
            await Task.Delay(50).ConfigureAwait(false);
        }
    }
}
