namespace DistributedCopy.Core.Cluster;

/// <summary>
/// The current topology of one side (addresses already mapped) (source or target), shared by all pipelines. After a redirect or a dropped connection a
/// pipeline asks for a refresh; concurrent requests for the same stale version are served by one read.
/// </summary>
public sealed class ClusterView(RedisEndpoint seed, Topology initial, IReadOnlyDictionary<string, string> addressMap, ServerCapabilities? capabilities = null, bool readReplicas = false)
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Snapshot _current = new(initial, 1);

    public RedisEndpoint Seed { get; } = seed;

    /// <summary>What this side's servers accept (probed when the view was opened).</summary>
    public ServerCapabilities Capabilities { get; } = capabilities ?? ServerCapabilities.None;

    public Topology Topology => _current.Topology;

    /// <summary>Changes each time the topology is read again; pipelines compare it to know their connections are stale.</summary>
    public int Version => _current.Version;

    /// <summary>Keys are read from a replica of each master (<see cref="Shard.ReadNode"/>), chosen again at each refresh.</summary>
    public bool ReadsReplicas => readReplicas;

    public static async Task<ClusterView> OpenAsync(RedisEndpoint seed, IReadOnlyDictionary<string, string> addressMap, CancellationToken cancellationToken, bool readReplicas = false)
    {
        var mapped = Topology.MapAddress(seed, addressMap);
        var topology = await ReadAsync(Topology.ReadAnyAsync(mapped.AllSeeds().Select(s => Topology.MapAddress(s, addressMap)), cancellationToken), addressMap, readReplicas, cancellationToken).ConfigureAwait(false);
        var capabilities = await ServerCapabilities.ProbeAsync(topology, cancellationToken).ConfigureAwait(false);
        return new ClusterView(mapped, topology, addressMap, capabilities, readReplicas);
    }

    /// <summary>A topology as read, with addresses mapped, replica counts from the masters, and (reading replicas) the replica of each.</summary>
    private static async Task<Topology> ReadAsync(Task<Topology> read, IReadOnlyDictionary<string, string> addressMap, bool readReplicas, CancellationToken cancellationToken)
    {
        var topology = await (await read.ConfigureAwait(false)).WithAddressMap(addressMap).WithReplicasFromMastersAsync(cancellationToken).ConfigureAwait(false);
        return readReplicas ? (await topology.WithReadReplicasAsync(cancellationToken).ConfigureAwait(false)).WithAddressMap(addressMap) : topology;
    }

    /// <summary>Keys in the database this view points at: DBSIZE, summed over a cluster's masters (or the replicas read from).</summary>
    public Task<long> CountKeysAsync(CancellationToken cancellationToken) =>
        CountKeysAsync(Topology.IsCluster ? [.. Topology.Shards.Select(s => s.ReadNode)] : [Topology.Shards[0].Replica ?? Seed], cancellationToken);

    /// <summary>The masters of the side <paramref name="seed"/> names, read with nothing probed or written (its writes may be paused).</summary>
    public static async Task<IReadOnlyList<RedisEndpoint>> MastersAsync(RedisEndpoint seed, CancellationToken cancellationToken)
    {
        var topology = await Topology.ReadAnyAsync(seed.AllSeeds(), cancellationToken).ConfigureAwait(false);
        return topology.IsCluster ? [.. topology.Shards.Select(s => s.Master)] : [seed];
    }

    /// <summary>Keys in one database of these masters: DBSIZE, summed.</summary>
    public static async Task<long> CountKeysAsync(IReadOnlyList<RedisEndpoint> masters, CancellationToken cancellationToken)
    {
        long total = 0;
        foreach (var node in masters)
        {
            await using var connection = await RespConnection.ConnectAsync(node, cancellationToken).ConfigureAwait(false);
            total += await connection.ExecuteIntegerAsync("DBSIZE").ConfigureAwait(false);
        }
        return total;
    }

    /// <summary>Reads the topology again unless someone already did since <paramref name="seenVersion"/>.</summary>
    public async Task RefreshAsync(int seenVersion, CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current.Version != seenVersion)
            {
                return;
            }
            var candidates = Topology.Shards.Select(s => s.Master).Concat(Seed.AllSeeds().Select(s => Topology.MapAddress(s, addressMap))).DistinctBy(e => e.Address);
            _current = new Snapshot(await ReadAsync(Topology.ReadAnyAsync(candidates, cancellationToken), addressMap, readReplicas, cancellationToken).ConfigureAwait(false), _current.Version + 1);
        }
        finally
        {
            _refresh.Release();
        }
    }

    private sealed record Snapshot(Topology Topology, int Version);
}
