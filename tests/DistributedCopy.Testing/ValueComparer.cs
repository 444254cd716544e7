using StackExchange.Redis;

namespace DistributedCopy.Testing;

/// <summary>
/// Compares every key of a source with the target by value (<see cref="DataComparer.ReadTypedAsync"/>) and TTL, for targets
/// or sources whose DUMP payloads cannot be compared bytewise (another make of server, another RDB version).
/// </summary>
public static class ValueComparer
{
    public static async Task<CompareResult> CompareAsync(RedisEndpoint source, RedisEndpoint target, long ttlToleranceMs = 2000)
    {
        var keys = await DataComparer.AllKeysAsync(source).ConfigureAwait(false);
        var targetKeys = (await DataComparer.AllKeysAsync(target).ConfigureAwait(false)).Count;
        await using var left = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(source)).ConfigureAwait(false);
        await using var right = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(target)).ConfigureAwait(false);
        var ldb = left.GetDatabase(source.Database);
        var rdb = right.GetDatabase(target.Database);
        long missing = 0, differs = 0, ttl = 0, compared = 0;
        var examples = new List<string>();
        foreach (var chunk in keys.Chunk(200))
        {
            var pairs = await Task.WhenAll(chunk.Select(async key =>
            {
                var type = await ldb.KeyTypeAsync(key).ConfigureAwait(false);
                var targetType = await rdb.KeyTypeAsync(key).ConfigureAwait(false);
                return (Key: key, Type: type, TargetType: targetType,
                    Left: await DataComparer.ReadTypedAsync(ldb, key, type).ConfigureAwait(false),
                    Right: await DataComparer.ReadTypedAsync(rdb, key, targetType).ConfigureAwait(false),
                    LeftTtl: (long?)(await ldb.KeyTimeToLiveAsync(key).ConfigureAwait(false))?.TotalMilliseconds,
                    RightTtl: (long?)(await rdb.KeyTimeToLiveAsync(key).ConfigureAwait(false))?.TotalMilliseconds);
            })).ConfigureAwait(false);
            foreach (var pair in pairs.Where(p => p.Type != RedisType.None))
            {
                compared++;
                string? problem = null;
                if (pair.TargetType == RedisType.None)
                {
                    missing++;
                    problem = "missing";
                }
                else if (!TypedValue.Same(pair.Left, pair.Right))
                {
                    differs++;
                    problem = $"{Short(pair.Left)} vs {Short(pair.Right)}";
                }
                else if (pair.LeftTtl.HasValue != pair.RightTtl.HasValue || Math.Abs((pair.LeftTtl ?? 0) - (pair.RightTtl ?? 0)) > ttlToleranceMs)
                {
                    ttl++;
                    problem = $"ttl {pair.LeftTtl} vs {pair.RightTtl}";
                }
                if (problem is not null && examples.Count < 5)
                {
                    examples.Add($"{KeyText.Printable(pair.Key)}: {problem}");
                }
            }
        }
        return new CompareResult(keys.Count, targetKeys, missing, differs, ttl, 0, compared, examples);
    }

    private static string Short(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
