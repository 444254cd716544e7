using System.Globalization;

namespace DistributedCopy.Core.Cluster;

// Topology, part 2: reading it from a server (CLUSTER SHARDS or SLOTS, INFO) and the replicas of its masters.
public sealed partial class Topology
{
    public static async Task<Topology> ReadAsync(RedisEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        await using var connection = await RespConnection.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(connection).ConfigureAwait(false);
    }

    /// <summary>
    /// The same topology with each master's replica count raised to what the master itself reports (INFO replication,
    /// connected_slaves): a node's CLUSTER SHARDS can lag behind (right after a cluster forms, a replica shows as a shard
    /// of its own for a moment), and a replica left out means writes not WAITed for, which a failover can lose.
    /// </summary>
    public async Task<Topology> WithReplicasFromMastersAsync(CancellationToken cancellationToken)
    {
        if (!IsCluster)
        {
            return this;
        }
        var counts = await Task.WhenAll(Shards.Select(async shard =>
        {
            try
            {
                await using var connection = await RespConnection.ConnectAsync(shard.Master, cancellationToken).ConfigureAwait(false);
                var replication = ParseInfo(await connection.ExecuteStringAsync("INFO", "replication").ConfigureAwait(false));
                return int.TryParse(replication.GetValueOrDefault("connected_slaves"), CultureInfo.InvariantCulture, out var n) ? n : 0;
            }
            catch (RespException)
            {
                // a master that does not answer now fails the writes sent to it; its count from CLUSTER SHARDS stays
                return 0;
            }
        })).ConfigureAwait(false);
        return counts.Where((count, i) => count > Shards[i].Replicas).Any()
            ? new Topology(true, Shards.Select((s, i) => s with { Replicas = Math.Max(s.Replicas, counts[i]) }).ToList(), RedisVersion)
            : this;
    }

    /// <summary>
    /// Reads the topology from the first of <paramref name="candidates"/> that answers (the seeds of a connection string,
    /// or the known masters after a failover). Errors that say something about the caller (authentication, TLS) are not
    /// hidden behind a later node's answer: they are thrown when no node answers.
    /// </summary>
    public static async Task<Topology> ReadAnyAsync(IEnumerable<RedisEndpoint> candidates, CancellationToken cancellationToken = default)
    {
        RespException? first = null;
        Topology? alone = null;
        var tried = new List<string>();
        foreach (var candidate in candidates)
        {
            try
            {
                var topology = await ReadAsync(candidate, cancellationToken).ConfigureAwait(false);
                if (!topology.IsCluster || topology.Shards.Any(s => s.Slots.Count > 0))
                {
                    return topology;
                }
                // a cluster node that serves no slot and knows no node that does: removed from its cluster
                // (--cluster del-node), or never joined; another candidate may know the cluster
                alone ??= topology;
            }
            catch (RespException ex)
            {
                first ??= ex;
                tried.Add(candidate.Address);
            }
        }
        if (alone is not null)
        {
            return alone;
        }
        if (first is null || tried.Count == 1)
        {
            throw first ?? new RedisConnectException("no node to read the topology from");
        }
        throw first is RedisConnectException
            ? new RedisConnectException($"no node answered ({string.Join(", ", tried)}): {first.Message}", first)
            : first;
    }

    public static async Task<Topology> ReadAsync(RespConnection connection)
    {
        var info = ParseInfo(await connection.ExecuteStringAsync("INFO", "server").ConfigureAwait(false)
            + await connection.ExecuteStringAsync("INFO", "cluster").ConfigureAwait(false));
        var version = info.GetValueOrDefault("redis_version", "0.0.0");
        var endpoint = connection.Endpoint;
        if (info.GetValueOrDefault("cluster_enabled") != "1")
        {
            // replicas of a standalone server matter as much as a cluster's: writes are WAITed for, so a failover keeps them
            var replication = ParseInfo(await connection.ExecuteStringAsync("INFO", "replication").ConfigureAwait(false));
            var replicas = int.TryParse(replication.GetValueOrDefault("connected_slaves"), CultureInfo.InvariantCulture, out var n) ? n : 0;
            return new Topology(false, [new Shard(endpoint, [new SlotRange(0, HashSlot.Count - 1)], info.GetValueOrDefault("run_id", ""), replicas)], version);
        }
        IReadOnlyList<Shard> shards;
        try
        {
            shards = ParseShards(await connection.ExecuteAsync("CLUSTER", "SHARDS").ConfigureAwait(false), endpoint);
        }
        catch (RedisErrorException)
        {
            shards = ParseSlots(await connection.ExecuteAsync("CLUSTER", "SLOTS").ConfigureAwait(false), endpoint);
        }
        return new Topology(true, shards, version);
    }

    /// <summary>The databases of a standalone server that hold keys, with their key counts (INFO keyspace), in order.</summary>
    public static async Task<IReadOnlyList<(int Database, long Keys)>> DatabasesAsync(RedisEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        await using var connection = await RespConnection.ConnectAsync(endpoint with { Database = 0 }, cancellationToken).ConfigureAwait(false);
        var info = ParseInfo(await connection.ExecuteStringAsync("INFO", "keyspace").ConfigureAwait(false));
        var databases = new List<(int, long)>();
        foreach (var (name, value) in info)
        {
            if (name.StartsWith("db", StringComparison.Ordinal) && int.TryParse(name[2..], CultureInfo.InvariantCulture, out var db))
            {
                var keys = value.Split(',').Select(p => p.Split('=')).FirstOrDefault(p => p[0] == "keys") is { Length: 2 } k ? long.Parse(k[1], CultureInfo.InvariantCulture) : 0;
                databases.Add((db, keys));
            }
        }
        return databases.OrderBy(d => d.Item1).ToList();
    }
}
