using System.Globalization;
using StackExchange.Redis;

namespace DistributedCopy.Testing;

/// <summary>
/// The test library's own view of a deployment, independent of the code under test: StackExchange.Redis finds the nodes
/// (CLUSTER NODES by its own parser), each node is asked its role with INFO replication, keys are listed per master with
/// SCAN, and the listing is checked against each master's DBSIZE and INFO keyspace. Nothing here uses the copier's
/// topology, RESP client or slot table, so a fault in those cannot blind the check the same way.
/// </summary>
public sealed class OracleDeployment : IAsyncDisposable
{
    private OracleDeployment(ConnectionMultiplexer connection, int database, IReadOnlyList<IServer> masters)
    {
        Connection = connection;
        DatabaseNumber = database;
        Masters = masters;
        Database = connection.GetDatabase(database);
    }

    public ConnectionMultiplexer Connection { get; }

    public int DatabaseNumber { get; }

    public IDatabase Database { get; }

    /// <summary>The nodes that answered <c>role:master</c>.</summary>
    public IReadOnlyList<IServer> Masters { get; }

    public static async Task<OracleDeployment> OpenAsync(RedisEndpoint endpoint)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(endpoint)).ConfigureAwait(false);
        try
        {
            var masters = await MastersAsync(connection, endpoint).ConfigureAwait(false);
            return new OracleDeployment(connection, endpoint.Database, masters);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<IReadOnlyList<IServer>> MastersAsync(ConnectionMultiplexer connection, RedisEndpoint endpoint)
    {
        var given = connection.GetServer(endpoint.Host, endpoint.Port);
        if (given.ServerType != ServerType.Cluster)
        {
            // a standalone server is read as given, master or replica (a test may ask what a replica holds); the client
            // may know its master or replicas too, which are not this deployment
            return given.IsConnected ? [given] : throw new InvalidOperationException($"oracle: {endpoint.Host}:{endpoint.Port} does not answer");
        }
        // nodes discovered from CLUSTER NODES connect in the background: a few seconds for every master to answer
        // (a replica that does not answer is no part of the listing)
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var servers = connection.GetServers();
            var owners = servers.FirstOrDefault(s => s.IsConnected)?.ClusterConfiguration?.Nodes
                .Where(n => !n.IsReplica && n.Slots.Count > 0).Select(n => n.EndPoint?.ToString() ?? "").ToList() ?? [];
            var answering = servers.Where(s => s.IsConnected).Select(s => s.EndPoint.ToString()).ToHashSet(StringComparer.Ordinal);
            if ((owners.Count > 0 && owners.All(answering.Contains)) || DateTime.UtcNow > deadline)
            {
                var masters = new List<IServer>();
                var addresses = new HashSet<string>(StringComparer.Ordinal);
                var nodes = new HashSet<string>(StringComparer.Ordinal);
                foreach (var server in servers.Where(s => s.IsConnected))
                {
                    var replication = await server.InfoRawAsync("replication").ConfigureAwait(false) ?? "";
                    // one node known under two addresses (the seed's, and the one it announces) is one master
                    var runId = (await server.InfoRawAsync("server").ConfigureAwait(false) ?? "").Split('\n').FirstOrDefault(l => l.StartsWith("run_id:", StringComparison.Ordinal))?.Trim();
                    if (!replication.Contains("role:master", StringComparison.Ordinal))
                    {
                        continue;
                    }
                    addresses.Add(server.EndPoint.ToString()!);
                    if (nodes.Add(runId ?? server.EndPoint.ToString()!))
                    {
                        masters.Add(server);
                    }
                }
                CheckSlotsCovered(connection, masters, addresses);
                return masters;
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>The masters found must own all 16384 slots between them (no master left out of the listing).</summary>
    private static void CheckSlotsCovered(ConnectionMultiplexer connection, List<IServer> masters, HashSet<string> found)
    {
        var cluster = masters.Count > 0 ? masters[0].ClusterConfiguration : null;
        if (cluster is null)
        {
            throw new InvalidOperationException($"oracle: no master of the cluster answers ({masters.Count} found)");
        }
        long owned = 0;
        foreach (var node in cluster.Nodes.Where(n => !n.IsReplica && n.Slots.Count > 0))
        {
            if (!found.Contains(node.EndPoint?.ToString() ?? ""))
            {
                throw new InvalidOperationException($"oracle: master {node.EndPoint} owns slots but was not found among the nodes ({connection.GetServers().Length} known)");
            }
            owned += node.Slots.Sum(r => (long)r.To - r.From + 1);
        }
        if (owned != 16384)
        {
            throw new InvalidOperationException($"oracle: the masters own {owned} of 16384 slots");
        }
    }

    /// <summary>Every key of the database, listed by SCAN on each master (a key seen twice counted once).</summary>
    public async Task<List<byte[]>> ListKeysAsync()
    {
        var keys = new List<byte[]>();
        foreach (var master in Masters)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            await foreach (var key in master.KeysAsync(DatabaseNumber, pageSize: 1000).ConfigureAwait(false))
            {
                var bytes = (byte[])key!;
                if (seen.Add(Convert.ToBase64String(bytes)))
                {
                    keys.Add(bytes);
                }
            }
        }
        return keys;
    }

    /// <summary>Per master DBSIZE summed, and of those the keys without an expiry (from INFO keyspace).</summary>
    public async Task<(long Keys, long Persistent)> SizeAsync()
    {
        long keys = 0, persistent = 0;
        foreach (var master in Masters)
        {
            var size = await master.DatabaseSizeAsync(DatabaseNumber).ConfigureAwait(false);
            keys += size;
            persistent += size - VolatileKeys(await master.InfoRawAsync("keyspace").ConfigureAwait(false) ?? "", DatabaseNumber);
        }
        return (keys, persistent);
    }

    /// <summary>The <c>expires=</c> figure of a database's line in INFO keyspace (0 when the database has no line).</summary>
    public static long VolatileKeys(string keyspace, int database)
    {
        var prefix = $"db{database}:";
        foreach (var line in keyspace.Split('\n'))
        {
            if (!line.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            foreach (var part in line[prefix.Length..].Trim().Split(','))
            {
                if (part.StartsWith("expires=", StringComparison.Ordinal))
                {
                    return long.Parse(part["expires=".Length..], CultureInfo.InvariantCulture);
                }
            }
        }
        return 0;
    }

    /// <summary>
    /// Each key's DUMP payload (null when it does not exist) and absolute expiry in Unix ms (-1 none): PEXPIRETIME where the
    /// server has it, else PTTL added to the time before the request was sent (so it errs early).
    /// </summary>
    public async Task<(byte[]? Payload, long Expiry)[]> ReadAsync(IReadOnlyList<byte[]> keys)
    {
        var absolute = await HasExpireTimeAsync().ConfigureAwait(false);
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var reads = keys.Select(async key =>
        {
            var dump = Database.KeyDumpAsync(key);
            var expiry = absolute
                ? Database.ExecuteAsync("PEXPIRETIME", (RedisKey)key)
                : Database.ExecuteAsync("PTTL", (RedisKey)key);
            var payload = await dump.ConfigureAwait(false);
            var value = (long)await expiry.ConfigureAwait(false);
            return (payload, absolute || value < 0 ? value : before + value);
        }).ToList();
        return await Task.WhenAll(reads).ConfigureAwait(false);
    }

    private bool? _hasExpireTime;

    /// <summary>Whether the masters know PEXPIRETIME (Redis 7.0+).</summary>
    public async Task<bool> HasExpireTimeAsync()
    {
        if (_hasExpireTime is null)
        {
            try
            {
                // one entry, nil for a command the server does not have
                var info = (RedisResult[])(await Masters[0].ExecuteAsync("COMMAND", "INFO", "PEXPIRETIME").ConfigureAwait(false))!;
                _hasExpireTime = info.Length == 1 && !info[0].IsNull;
            }
            catch (RedisServerException)
            {
                _hasExpireTime = false;
            }
        }
        return _hasExpireTime.Value;
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync().ConfigureAwait(false);
}
