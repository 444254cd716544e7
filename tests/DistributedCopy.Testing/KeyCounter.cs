using StackExchange.Redis;

namespace DistributedCopy.Testing;

/// <summary>Reads back from the servers how many keys of each type a deployment holds (the oracle's masters, SCAN with TYPE on each).</summary>
public static class KeyCounter
{
    public static async Task<Dictionary<string, long>> CountByTypeAsync(RedisEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        await using var deployment = await OracleDeployment.OpenAsync(endpoint).ConfigureAwait(false);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var type in new[] { "string", "hash", "list", "set", "zset", "stream" })
        {
            long total = 0;
            foreach (var master in deployment.Masters)
            {
                total += await CountAsync(master, deployment.DatabaseNumber, type, cancellationToken).ConfigureAwait(false);
            }
            counts[type] = total;
        }
        return counts;
    }

    /// <summary>DBSIZE summed over the oracle's masters.</summary>
    public static async Task<long> DbSizeAsync(RedisEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await using var deployment = await OracleDeployment.OpenAsync(endpoint).ConfigureAwait(false);
        return (await deployment.SizeAsync().ConfigureAwait(false)).Keys;
    }

    private static async Task<long> CountAsync(IServer node, int database, string type, CancellationToken cancellationToken)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var cursor = "0";
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            var reply = (RedisResult[])(await node.ExecuteAsync(database, "SCAN", [cursor, "COUNT", "1000", "TYPE", type]).ConfigureAwait(false))!;
            cursor = (string)reply[0]!;
            foreach (var key in (RedisResult[])reply[1]!)
            {
                keys.Add(Convert.ToBase64String((byte[])key!));
            }
        }
        while (cursor != "0");
        return keys.Count;
    }
}
