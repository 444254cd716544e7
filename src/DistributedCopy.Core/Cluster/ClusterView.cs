namespace DistributedCopy.Core.Cluster;

/// <summary>
/// The current topology of one side (addresses already mapped) (source or target), shared by all pipelines. After a redirect or a dropped connection a
/// pipeline asks for a refresh; concurrent requests for the same stale version are served by one read.
/// </summary>
public sealed class ClusterView(RedisEndpoint seed, Topology initial, IReadOnlyDictionary<string, string> addressMap, ServerCapabilities? capabilities = null)
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Snapshot _current = new(initial, 1);

    public RedisEndpoint Seed { get; } = seed;

    /// <summary>What this side's servers accept (probed when the view was opened).</summary>
    public ServerCapabilities Capabilities { get; } = capabilities ?? ServerCapabilities.None;

    public Topology Topology => _current.Topology;

    /// <summary>Changes each time the topology is read again; pipelines compare it to know their connections are stale.</summary>
    public int Version => _current.Version;

    public static async Task<ClusterView> OpenAsync(RedisEndpoint seed, IReadOnlyDictionary<string, string> addressMap, CancellationToken cancellationToken)
    {
        var mapped = Topology.MapAddress(seed, addressMap);
        var topology = await (await Topology.ReadAnyAsync(mapped.AllSeeds().Select(s => Topology.MapAddress(s, addressMap)), cancellationToken).ConfigureAwait(false))
            .WithAddressMap(addressMap).WithReplicasFromMastersAsync(cancellationToken).ConfigureAwait(false);
        var capabilities = await ServerCapabilities.ProbeAsync(topology, cancellationToken).ConfigureAwait(false);
        return new ClusterView(mapped, topology, addressMap, capabilities);
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
            var topology = await Topology.ReadAnyAsync(candidates, cancellationToken).ConfigureAwait(false);
            _current = new Snapshot(await topology.WithAddressMap(addressMap).WithReplicasFromMastersAsync(cancellationToken).ConfigureAwait(false), _current.Version + 1);
        }
        finally
        {
            _refresh.Release();
        }
    }

    private sealed record Snapshot(Topology Topology, int Version);
}
