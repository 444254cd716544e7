using System.Globalization;

namespace DistributedCopy.Core.Cluster;

/// <summary>The shape of a deployment as read from the server: cluster shards or one standalone server.</summary>
public sealed partial class Topology
{
    private readonly int[] _shardOfSlot;

    public Topology(bool isCluster, IReadOnlyList<Shard> shards, string redisVersion)
    {
        IsCluster = isCluster;
        Shards = shards;
        RedisVersion = redisVersion;
        RdbVersion = RdbVersions.ForRedisVersion(redisVersion);
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
    public int RdbVersion { get; }

    /// <summary>
    /// The shard a key of <paramref name="slot"/> lives on: the index into <see cref="Shards"/> of its master for a cluster
    /// (-1 when no node serves the slot), 0 for a standalone server.
    /// </summary>
    public int ShardFor(int slot) => IsCluster ? _shardOfSlot[slot] : 0;

    /// <summary>The shard serving <paramref name="slot"/>; none (a failover or reshard under way) is a topology change, retried by the caller's policy.</summary>
    internal int ShardOrThrow(int slot, string side) =>
        ShardFor(slot) is var shard and >= 0 ? shard : throw new Resilience.TopologyChangedException($"no {side} master serves slot {slot}");

    /// <summary>The same topology with each master's announced address replaced as <paramref name="addressMap"/> says.</summary>
    public Topology WithAddressMap(IReadOnlyDictionary<string, string> addressMap) =>
        addressMap.Count == 0 ? this : new Topology(IsCluster, Shards.Select(s => s with
        {
            Master = MapAddress(s.Master, addressMap),
            Replica = s.Replica is null ? null : MapAddress(s.Replica, addressMap),
        }).ToList(), RedisVersion);

    public static RedisEndpoint MapAddress(RedisEndpoint endpoint, IReadOnlyDictionary<string, string> addressMap)
    {
        if (!addressMap.TryGetValue(endpoint.Address, out var mapped))
        {
            return endpoint;
        }
        var colon = mapped.LastIndexOf(':');
        return endpoint.WithAddress(mapped[..colon].Trim('[', ']'), int.Parse(mapped[(colon + 1)..], CultureInfo.InvariantCulture));
    }
}
