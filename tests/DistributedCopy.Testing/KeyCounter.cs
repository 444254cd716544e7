using DistributedCopy.Core.Resp;

namespace DistributedCopy.Testing;

/// <summary>Reads back from the servers how many keys of each type a deployment holds (SCAN with TYPE on every master).</summary>
public static class KeyCounter
{
    public static async Task<Dictionary<string, long>> CountByTypeAsync(RedisEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        var topology = await Topology.ReadAsync(endpoint, cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var type in new[] { "string", "hash", "list", "set", "zset", "stream" })
        {
            long total = 0;
            foreach (var shard in topology.Shards)
            {
                total += await CountAsync(shard.Master, type, cancellationToken).ConfigureAwait(false);
            }
            counts[type] = total;
        }
        return counts;
    }

    public static async Task<long> DbSizeAsync(RedisEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        var topology = await Topology.ReadAsync(endpoint, cancellationToken).ConfigureAwait(false);
        long total = 0;
        foreach (var shard in topology.Shards)
        {
            await using var connection = await RespConnection.ConnectAsync(shard.Master, cancellationToken).ConfigureAwait(false);
            total += await connection.ExecuteIntegerAsync("DBSIZE").ConfigureAwait(false);
        }
        return total;
    }

    private static async Task<long> CountAsync(RedisEndpoint node, string type, CancellationToken cancellationToken)
    {
        await using var connection = await RespConnection.ConnectAsync(node, cancellationToken).ConfigureAwait(false);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var cursor = "0";
        do
        {
            var reply = RespFrame.Array(await connection.ExecuteAsync("SCAN", cursor, "COUNT", "1000", "TYPE", type).ConfigureAwait(false));
            cursor = RespFrame.String(reply.Next());
            var batch = RespFrame.Array(reply.Next());
            while (batch.MoveNext(out var key))
            {
                RespFrame.TryBulk(key, out var bytes);
                keys.Add(Convert.ToBase64String(bytes));
            }
        }
        while (cursor != "0");
        return keys.Count;
    }
}
