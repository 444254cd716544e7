using DistributedCopy.Abstractions;
using DistributedCopy.Core.Resp;

namespace DistributedCopy.Cli;

public static class Preflight
{
    /// <summary>Connects, reads the shape and key count, and checks it is what the operator asked for.</summary>
    public static async Task<SideInfo> InspectAsync(RedisEndpoint endpoint, string what, string mode, CancellationToken cancellationToken)
    {
        Topology topology;
        try
        {
            // database 0 first: a cluster refuses SELECT, and the shape decides what a database number means
            topology = await Topology.ReadAnyAsync((endpoint with { Database = 0 }).AllSeeds(), cancellationToken);
            if (!topology.IsCluster && endpoint.Database != 0)
            {
                await using var selected = await RespConnection.ConnectAsync(endpoint, cancellationToken);
            }
        }
        catch (RedisAuthException ex)
        {
            throw new CliException(ExitCodes.AuthFailed, $"{what}: {ex.Message}");
        }
        catch (RedisTlsException ex)
        {
            throw new CliException(ExitCodes.CannotConnect, $"{what}: {ex.Message}");
        }
        catch (RedisConnectException ex)
        {
            throw new CliException(ExitCodes.CannotConnect, $"{what}: {ex.Message}");
        }
        catch (IOException ex)
        {
            throw new CliException(ExitCodes.CannotConnect, $"{what}: cannot talk to {endpoint.Address}: {ex.Message}");
        }
        catch (RedisErrorException ex) when (ex.Message.Contains("DB index", StringComparison.Ordinal))
        {
            throw new CliException(ExitCodes.BadInput, $"{what} {endpoint}: database {endpoint.Database} does not exist there ({ex.Message})");
        }
        catch (RedisErrorException ex)
        {
            throw new CliException(ExitCodes.CannotConnect, $"{what}: {endpoint.Address} answered: {ex.Message}");
        }
        if (mode == "cluster" && !topology.IsCluster)
        {
            throw new CliException(ExitCodes.BadInput, $"{what} {endpoint} is a standalone server, but --{what}-mode cluster was given");
        }
        if (mode == "standalone" && topology.IsCluster)
        {
            throw new CliException(ExitCodes.BadInput, $"{what} {endpoint} is a cluster, but --{what}-mode standalone was given");
        }
        if (topology.IsCluster && endpoint.Database != 0)
        {
            throw new CliException(ExitCodes.BadInput, $"{what} {endpoint} is a cluster: it has only database 0");
        }
        if (topology.IsCluster && topology.Shards.Sum(s => s.Slots.Sum(r => r.Count)) != HashSlot.Count)
        {
            throw new CliException(ExitCodes.BadInput, $"{what} {endpoint}: not every hash slot is served (cluster_state is not ok)");
        }
        return new SideInfo(endpoint, topology, await CountKeysAsync(endpoint, topology, cancellationToken));
    }

    /// <summary>Checks that the pair can be copied under the policy and mode; nothing has been written yet.</summary>
    public static void CheckPair(SideInfo source, SideInfo target, string policy, WriteMode mode = WriteMode.Auto)
    {
        if (mode == WriteMode.Dump && source.Topology.RdbVersion > target.Topology.RdbVersion)
        {
            throw new CliException(ExitCodes.BadInput,
                $"the source (Redis {source.Topology.RedisVersion}) writes RDB version {source.Topology.RdbVersion}, newer than the target (Redis {target.Topology.RedisVersion}) restores (RDB version {target.Topology.RdbVersion}); --mode auto or typed writes such keys by type");
        }
        if (policy == "fail-on-existing" && target.Keys > 0)
        {
            throw new CliException(ExitCodes.BadInput, $"the target {target.Endpoint} already holds {target.Keys} keys (policy fail-on-existing)");
        }
    }

    /// <summary>
    /// Refuses a copy onto itself, however the servers were named (localhost and 127.0.0.1, a DNS alias, a proxy): the
    /// servers' identities are compared, run_id for standalone servers, node ids for every master pair of clusters.
    /// A standalone server may be copied onto itself only from one database into another.
    /// </summary>
    public static void CheckNotSameServer(SideInfo source, SideInfo target, IReadOnlyList<int> databases, KeySelection? selection = null)
    {
        var shared = source.Topology.Shards.Select(s => s.NodeId).Where(id => id.Length > 0)
            .Intersect(target.Topology.Shards.Select(s => s.NodeId)).FirstOrDefault();
        if (shared is null)
        {
            return;
        }
        if (source.Topology.IsCluster || target.Topology.IsCluster)
        {
            throw new CliException(ExitCodes.BadInput, $"the source {source.Endpoint.Address} and the target {target.Endpoint.Address} are the same cluster (node {shared[..Math.Min(8, shared.Length)]}… is in both)");
        }
        var sourceDatabases = databases.Count > 0 ? databases : [source.Endpoint.Database];
        foreach (var database in sourceDatabases)
        {
            var into = selection?.TargetDatabase(database) ?? (target.Endpoint.NamesDatabase ? target.Endpoint.Database : database);
            if (into == database)
            {
                throw new CliException(ExitCodes.BadInput, $"the source {source.Endpoint.Address} and the target {target.Endpoint.Address} are the same server (run_id {shared[..Math.Min(8, shared.Length)]}…) and database {database}");
            }
        }
    }

    /// <summary>
    /// --read-from replica: the replica each source master would be read from, each connected to once (READONLY in a
    /// cluster); a master without an online replica, or a replica that does not answer, stops here with exit 2 or 3.
    /// </summary>
    public static async Task<IReadOnlyList<Shard>> CheckReplicasAsync(SideInfo source, CancellationToken cancellationToken)
    {
        try
        {
            var shards = (await source.Topology.WithReadReplicasAsync(cancellationToken)).Shards;
            foreach (var shard in shards)
            {
                await using var connection = await RespConnection.ConnectAsync(shard.ReadNode, cancellationToken);
            }
            return shards;
        }
        catch (Core.CopyException ex)
        {
            throw new CliException(ExitCodes.BadInput, "source: " + ex.Message);
        }
        catch (RespException ex) when (ex is not RedisAuthException)
        {
            throw new CliException(ExitCodes.CannotConnect, $"source replica: {ex.Message}");
        }
    }

    /// <summary>
    /// A standalone target that is a replica (role:slave) takes no writes: refused here (exit 2, naming its master) rather
    /// than retried for the whole retry budget on READONLY. A cluster target is written on its masters whatever node was named.
    /// </summary>
    public static async Task CheckWritableAsync(SideInfo target, CancellationToken cancellationToken)
    {
        if (target.Topology.IsCluster)
        {
            return;
        }
        await using var connection = await RespConnection.ConnectAsync(target.Endpoint, cancellationToken);
        var replication = Topology.ParseInfo(await connection.ExecuteStringAsync("INFO", "replication"));
        if (replication.GetValueOrDefault("role") == "slave")
        {
            throw new CliException(ExitCodes.BadInput,
                $"the target {target.Endpoint.Address} is a read-only replica of {replication.GetValueOrDefault("master_host")}:{replication.GetValueOrDefault("master_port")}: give its master (or a server that takes writes) as --target");
        }
    }

    private static async Task<long> CountKeysAsync(RedisEndpoint endpoint, Topology topology, CancellationToken cancellationToken)
    {
        long keys = 0;
        foreach (var shard in topology.Shards)
        {
            await using var connection = await RespConnection.ConnectAsync(topology.IsCluster ? shard.Master : endpoint, cancellationToken);
            keys += await connection.ExecuteIntegerAsync("DBSIZE");
        }
        return keys;
    }
}
