namespace DistributedCopy.Core.Live;

/// <summary>
/// Why key counts differ, for a cutover: the keys of the differing buckets are listed on both sides and each key on one side
/// only is looked at. A paused source neither expires nor evicts, so it still lists (and counts) keys that have logically
/// expired, which the target has dropped: a key whose PTTL says it is gone or expires within the tolerance is expiry, not a
/// difference. Anything else is.
/// </summary>
internal sealed class CountDifferences(ClusterView source, ClusterView target, Func<byte[], int> bucketOf, long toleranceMs, int limit = CountDifferences.Limit)
{
    /// <summary>Keys listed on either side past which their live keys are counted instead (memory stays bounded).</summary>
    public const int Limit = 2_000_000;

    public int Expiring { get; private set; }

    public List<byte[]> Real { get; } = [];

    public int Listed { get; private set; }

    public async Task ClassifyAsync(IReadOnlyCollection<int> buckets, CancellationToken cancellationToken)
    {
        var wanted = buckets.ToHashSet();
        var left = await ListAsync(source, wanted, cancellationToken).ConfigureAwait(false);
        var right = await ListAsync(target, wanted, cancellationToken).ConfigureAwait(false);
        Listed = left.Count + right.Count;
        var sourceOnly = left.Where(k => !right.Contains(k)).ToList();
        var targetOnly = right.Where(k => !left.Contains(k)).ToList();
        foreach (var (key, ttl) in await TtlsAsync(source, sourceOnly, cancellationToken).ConfigureAwait(false))
        {
            // -2: expired (a paused source reads it as gone) or deleted since it was listed; or about to expire
            if (ttl == -2 || (ttl >= 0 && ttl <= toleranceMs))
            {
                Expiring++;
            }
            else
            {
                Real.Add(key);
            }
        }
        foreach (var (key, ttl) in await TtlsAsync(target, targetOnly, cancellationToken).ConfigureAwait(false))
        {
            if (ttl == -2 || (ttl >= 0 && ttl <= toleranceMs))
            {
                Expiring++;
            }
            else
            {
                Real.Add(key);
            }
        }
    }

    /// <summary>
    /// Where too many keys differ to list (<see cref="Limit"/>): the keys alive on each side in the buckets, counted with
    /// SCAN (which passes over logically expired keys, a paused server's too) and none held. Equal: the counts differ by
    /// expired keys only.
    /// </summary>
    public async Task<(long Source, long Target)> LiveKeysAsync(IReadOnlyCollection<int> buckets, CancellationToken cancellationToken)
    {
        var wanted = buckets.ToHashSet();
        return (await CountLiveAsync(source, wanted, cancellationToken).ConfigureAwait(false), await CountLiveAsync(target, wanted, cancellationToken).ConfigureAwait(false));
    }

    private async Task<long> CountLiveAsync(ClusterView side, HashSet<int> wanted, CancellationToken cancellationToken)
    {
        long live = 0;
        for (var shard = 0; shard < side.Topology.Shards.Count; shard++)
        {
            await using var connection = await RespConnection.ConnectAsync(Node(side, shard), cancellationToken).ConfigureAwait(false);
            var cursor = "0";
            do
            {
                var parts = RespFrame.Array(await connection.ExecuteAsync("SCAN", cursor, "COUNT", "1000").ConfigureAwait(false));
                cursor = RespFrame.String(parts.Next());
                var items = RespFrame.Array(parts.Next());
                while (items.MoveNext(out var item))
                {
                    live += RespFrame.TryBulk(item, out var key) && wanted.Contains(bucketOf(key.ToArray())) ? 1 : 0;
                }
            }
            while (cursor != "0");
        }
        return live;
    }

    /// <summary>The side's keys in the wanted buckets: GETKEYSINSLOT per slot on a cluster, else SCAN of the database.</summary>
    private async Task<HashSet<byte[]>> ListAsync(ClusterView side, HashSet<int> wanted, CancellationToken cancellationToken)
    {
        var keys = new HashSet<byte[]>(ByteKeyComparer.Instance);
        var topology = side.Topology;
        foreach (var (shard, index) in topology.Shards.Select((s, i) => (s, i)))
        {
            await using var connection = await RespConnection.ConnectAsync(Node(side, index), cancellationToken).ConfigureAwait(false);
            if (topology.IsCluster)
            {
                foreach (var slot in shard.Slots.SelectMany(r => Enumerable.Range(r.Start, r.Count)).Where(s => wanted.Contains(s)))
                {
                    var count = await connection.ExecuteIntegerAsync("CLUSTER", "COUNTKEYSINSLOT", Text(slot)).ConfigureAwait(false);
                    Collect(await connection.ExecuteAsync("CLUSTER", "GETKEYSINSLOT", Text(slot), Text(count + 1000)).ConfigureAwait(false), keys, wanted);
                }
                continue;
            }
            var cursor = "0";
            do
            {
                var reply = await connection.ExecuteAsync("SCAN", cursor, "COUNT", "1000").ConfigureAwait(false);
                var parts = RespFrame.Array(reply);
                cursor = RespFrame.String(parts.Next());
                Collect(parts.Next().ToArray(), keys, wanted);
            }
            while (cursor != "0");
        }
        return keys;
    }

    private void Collect(byte[] reply, HashSet<byte[]> keys, HashSet<int> wanted)
    {
        var items = RespFrame.Array(reply);
        while (items.MoveNext(out var item))
        {
            if (RespFrame.TryBulk(item, out var key) && wanted.Contains(bucketOf(key.ToArray())))
            {
                keys.Add(key.ToArray());
            }
        }
        if (keys.Count > limit)
        {
            throw new TooManyToListException($"more than {limit:N0} keys in the buckets whose counts differ: too many to list");
        }
    }

    /// <summary>PTTL of each key on the side, asked of the node that holds its slot (pipelined per node).</summary>
    private static async Task<List<(byte[] Key, long Ttl)>> TtlsAsync(ClusterView side, List<byte[]> keys, CancellationToken cancellationToken)
    {
        var found = new List<(byte[], long)>();
        foreach (var group in keys.GroupBy(k => side.Topology.IsCluster ? side.Topology.ShardFor(HashSlot.Of(k)) : 0))
        {
            if (group.Key < 0)
            {
                throw new TopologyChangedException("a slot has no master on one side: the topology is changing");
            }
            await using var connection = await RespConnection.ConnectAsync(Node(side, group.Key), cancellationToken).ConfigureAwait(false);
            foreach (var chunk in group.Chunk(500))
            {
                var writer = new RespWriter(64 * 1024);
                foreach (var key in chunk)
                {
                    writer.Command(2).Bulk("PTTL"u8).Bulk(key);
                }
                await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
                foreach (var key in chunk)
                {
                    await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                    RespConnection.ThrowIfError(connection.Frame);
                    found.Add((key, RespFrame.Integer(connection.Frame)));
                }
            }
        }
        return found;
    }

    /// <summary>The node a side's keys are read from: a cluster shard's read node, or the standalone server (its database selected).</summary>
    private static RedisEndpoint Node(ClusterView side, int shard) =>
        side.Topology.IsCluster ? side.Topology.Shards[shard].ReadNode : side.Topology.Shards[0].Replica is { } replica ? replica with { Database = side.Seed.Database } : side.Seed;

    private static string Text(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The differing buckets hold more keys than are listed: their live keys are counted instead.</summary>
    internal sealed class TooManyToListException(string message) : CopyException(message);
}
