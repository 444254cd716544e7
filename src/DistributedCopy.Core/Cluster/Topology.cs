using System.Globalization;
using System.Text;

namespace DistributedCopy.Core.Cluster;

/// <summary>The shape of a deployment as read from the server: cluster shards or one standalone server.</summary>
public sealed class Topology
{
    private readonly int[] _shardOfSlot;

    public Topology(bool isCluster, IReadOnlyList<Shard> shards, string redisVersion)
    {
        IsCluster = isCluster;
        Shards = shards;
        RedisVersion = redisVersion;
        _shardOfSlot = new int[HashSlot.Count];
        Array.Fill(_shardOfSlot, -1);
        for (var i = 0; i < shards.Count; i++)
        {
            foreach (var range in shards[i].Slots)
            {
                _shardOfSlot.AsSpan(range.Start, range.Count).Fill(i);
            }
        }
    }

    public bool IsCluster { get; }

    public IReadOnlyList<Shard> Shards { get; }

    /// <summary>The server's version, e.g. "7.0.15".</summary>
    public string RedisVersion { get; }

    /// <summary>The RDB version this server writes in DUMP payloads and the highest it accepts in RESTORE.</summary>
    public int RdbVersion => RdbVersions.ForRedisVersion(RedisVersion);

    /// <summary>Index into <see cref="Shards"/> of the master serving <paramref name="slot"/>, or -1 when no node serves it.</summary>
    public int ShardIndexOf(int slot) => _shardOfSlot[slot];

    /// <summary>The shard a key of <paramref name="slot"/> lives on: its master's index for a cluster, 0 for a standalone server.</summary>
    public int ShardFor(int slot) => IsCluster ? _shardOfSlot[slot] : 0;

    /// <summary>The same topology with each master's announced address replaced as <paramref name="addressMap"/> says.</summary>
    public Topology WithAddressMap(IReadOnlyDictionary<string, string> addressMap) =>
        addressMap.Count == 0 ? this : new Topology(IsCluster, Shards.Select(s => s with { Master = MapAddress(s.Master, addressMap) }).ToList(), RedisVersion);

    public static RedisEndpoint MapAddress(RedisEndpoint endpoint, IReadOnlyDictionary<string, string> addressMap)
    {
        if (!addressMap.TryGetValue(endpoint.Address, out var mapped))
        {
            return endpoint;
        }
        var colon = mapped.LastIndexOf(':');
        return endpoint.WithAddress(mapped[..colon].Trim('[', ']'), int.Parse(mapped[(colon + 1)..], CultureInfo.InvariantCulture));
    }

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
        var tried = new List<string>();
        foreach (var candidate in candidates)
        {
            try
            {
                return await ReadAsync(candidate, cancellationToken).ConfigureAwait(false);
            }
            catch (RespException ex)
            {
                first ??= ex;
                tried.Add(candidate.Address);
            }
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

    public static Dictionary<string, string> ParseInfo(string info)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in info.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && !line.StartsWith('#'))
            {
                map[line[..colon]] = line[(colon + 1)..].TrimEnd('\r');
            }
        }
        return map;
    }

    private static List<Shard> ParseShards(byte[] reply, RedisEndpoint seed)
    {
        var shards = new List<Shard>();
        var all = RespFrame.Array(reply);
        while (all.MoveNext(out var shardFrame))
        {
            var ranges = new List<SlotRange>();
            RedisEndpoint? master = null;
            var masterId = "";
            var replicas = 0;
            var fields = RespFrame.Array(shardFrame);
            while (fields.MoveNext(out var name))
            {
                var value = fields.Next();
                switch (RespFrame.String(name))
                {
                    case "slots":
                        var slots = RespFrame.Array(value);
                        while (slots.MoveNext(out var start))
                        {
                            ranges.Add(new SlotRange((int)RespFrame.Integer(start), (int)RespFrame.Integer(slots.Next())));
                        }
                        break;
                    case "nodes":
                        var nodes = RespFrame.Array(value);
                        while (nodes.MoveNext(out var node))
                        {
                            var props = ReadMap(node);
                            // a replica still loading counts: it may be promoted, so writes must reach it first
                            if (props.GetValueOrDefault("role") == "replica" && props.GetValueOrDefault("health") != "fail")
                            {
                                replicas++;
                            }
                            if (props.GetValueOrDefault("role") != "master" || props.GetValueOrDefault("health") == "fail")
                            {
                                continue;
                            }
                            var port = seed.UseTls && props.TryGetValue("tls-port", out var tlsPort) ? tlsPort : props.GetValueOrDefault("port", "0");
                            var host = props.GetValueOrDefault("ip") is { Length: > 0 } ip && ip != "?" ? ip : seed.Host;
                            master = seed.WithAddress(host, int.Parse(port, CultureInfo.InvariantCulture));
                            masterId = props.GetValueOrDefault("id", "");
                        }
                        break;
                }
            }
            if (master is not null && ranges.Count > 0)
            {
                shards.Add(new Shard(master, ranges, masterId, replicas));
            }
        }
        return shards;
    }

    private static List<Shard> ParseSlots(byte[] reply, RedisEndpoint seed)
    {
        var byNode = new Dictionary<string, (RedisEndpoint Master, List<SlotRange> Ranges, int Replicas)>(StringComparer.Ordinal);
        var all = RespFrame.Array(reply);
        while (all.MoveNext(out var entry))
        {
            var parts = RespFrame.Array(entry);
            var start = (int)RespFrame.Integer(parts.Next());
            var end = (int)RespFrame.Integer(parts.Next());
            var node = RespFrame.Array(parts.Next());
            var host = RespFrame.String(node.Next());
            var port = (int)RespFrame.Integer(node.Next());
            var id = node.MoveNext(out var idFrame) ? RespFrame.String(idFrame) : host + ":" + port;
            var replicas = 0;
            while (parts.MoveNext(out _))
            {
                replicas++;
            }
            if (!byNode.TryGetValue(id, out var shard))
            {
                shard = (seed.WithAddress(host.Length > 0 ? host : seed.Host, port), [], replicas);
                byNode[id] = shard;
            }
            shard.Ranges.Add(new SlotRange(start, end));
        }
        return byNode.Select(kv => new Shard(kv.Value.Master, kv.Value.Ranges, kv.Key, kv.Value.Replicas)).ToList();
    }

    private static Dictionary<string, string> ReadMap(ReadOnlySpan<byte> frame)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var fields = RespFrame.Array(frame);
        while (fields.MoveNext(out var name))
        {
            var value = fields.Next();
            map[RespFrame.String(name)] = value[0] == (byte)':' ? RespFrame.Integer(value).ToString(CultureInfo.InvariantCulture)
                : RespFrame.TryBulk(value, out var text) ? Encoding.UTF8.GetString(text) : "";
        }
        return map;
    }
}
