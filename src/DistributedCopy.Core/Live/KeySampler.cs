namespace DistributedCopy.Core.Live;

/// <summary>
/// Anti-entropy by content, beside the key counts: each sweep draws a few random keys on every source node read
/// (RANDOMKEY) and asks the target whether it has them. Writes that notify nothing and leave the counts equal — a SWAPDB
/// of two databases of the same size, keys replaced wholesale by as many others — show up as sampled keys the target
/// lacks; a key found missing on two sweeps running (still on the source, nothing of its slot waiting) has its bucket
/// reconciled. A key written a moment ago and not yet applied (or being applied) is missing once only.
/// </summary>
internal sealed class KeySampler(int perNode = 8)
{
    private HashSet<byte[]> _suspects = new(ByteKeyComparer.Instance);

    /// <summary>The buckets with a key the target lacked on this sweep and the last one; keys <paramref name="settled"/> refuses (waiting to be applied, another worker's) are passed over.</summary>
    public async Task<List<int>> MissingAsync(ClusterView source, ClusterView target, IReadOnlyList<RedisEndpoint> nodes, Func<byte[], int> bucket, Func<byte[], bool> settled, CancellationToken cancellationToken)
    {
        var keys = new HashSet<byte[]>(_suspects, ByteKeyComparer.Instance);
        foreach (var node in nodes)
        {
            await using var connection = await RespConnection.ConnectAsync(node, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < perNode; i++)
            {
                await connection.SendAsync(new RespWriter(64).Command(1).Bulk("RANDOMKEY"u8), cancellationToken).ConfigureAwait(false);
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                RespConnection.ThrowIfError(connection.Frame);
                if (RespFrame.TryBulk(connection.Frame, out var key))
                {
                    keys.Add(key.ToArray());
                }
            }
        }
        var confirmed = new HashSet<int>();
        var next = new HashSet<byte[]>(ByteKeyComparer.Instance);
        var connections = new Dictionary<string, RespConnection>(StringComparer.Ordinal);
        try
        {
            foreach (var key in keys.Where(settled))
            {
                if (await ExistsAsync(target, "target", key, connections, cancellationToken).ConfigureAwait(false)
                    || !await ExistsAsync(source, "source", key, connections, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }
                if (_suspects.Contains(key))
                {
                    confirmed.Add(bucket(key));
                }
                else
                {
                    next.Add(key);
                }
            }
        }
        finally
        {
            foreach (var connection in connections.Values)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        _suspects = next;
        return [.. confirmed];
    }

    /// <summary>EXISTS on the node of <paramref name="view"/> that holds the key (the one read from, on the source).</summary>
    private static async Task<bool> ExistsAsync(ClusterView view, string side, byte[] key, Dictionary<string, RespConnection> connections, CancellationToken cancellationToken)
    {
        var shard = view.Topology.ShardFor(HashSlot.Of(key));
        var node = shard < 0 ? view.Seed : view.Topology.IsCluster ? view.Topology.Shards[shard].ReadNode : view.Topology.Shards[0].Replica ?? view.Seed;
        // one connection a node and side (the same address may be two databases of one server)
        var name = side + " " + node.Address;
        if (!connections.TryGetValue(name, out var connection))
        {
            connection = await RespConnection.ConnectAsync(node, cancellationToken).ConfigureAwait(false);
            connections[name] = connection;
        }
        await connection.SendAsync(new RespWriter(64 + key.Length).Command(2).Bulk("EXISTS"u8).Bulk(key), cancellationToken).ConfigureAwait(false);
        await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        RespConnection.ThrowIfError(connection.Frame);
        return RespFrame.Integer(connection.Frame) > 0;
    }
}
