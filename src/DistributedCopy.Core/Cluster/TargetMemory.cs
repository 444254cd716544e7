namespace DistributedCopy.Core.Cluster;

/// <summary>One target master's memory as INFO reports it: its limit, eviction policy, use and keys evicted so far.</summary>
public sealed record NodeMemory(RedisEndpoint Node, long MaxMemory, string Policy, long UsedMemory, long EvictedKeys)
{
    /// <summary>Writes succeed while the server drops other keys to make room: a copy could lose keys and say nothing.</summary>
    public bool Evicts => MaxMemory > 0 && Policy != "noeviction";

    /// <summary>Bytes left under maxmemory (no limit: the largest number).</summary>
    public long Free => MaxMemory > 0 ? Math.Max(0, MaxMemory - UsedMemory) : long.MaxValue;

    public string Describe() => MaxMemory > 0
        ? $"maxmemory {MaxMemory / 1e6:F1} MB, maxmemory-policy {Policy}, used {UsedMemory / 1e6:F1} MB"
        : $"no maxmemory, maxmemory-policy {Policy}, used {UsedMemory / 1e6:F1} MB";
}

/// <summary>Reads <see cref="NodeMemory"/> (INFO memory and INFO stats: no CONFIG needed, so managed caches answer too).</summary>
public static class TargetMemory
{
    public static async Task<IReadOnlyList<NodeMemory>> ReadAsync(IReadOnlyList<RedisEndpoint> masters, CancellationToken cancellationToken)
    {
        var found = new List<NodeMemory>();
        foreach (var master in masters)
        {
            await using var connection = await RespConnection.ConnectAsync(master, cancellationToken).ConfigureAwait(false);
            var memory = Topology.ParseInfo(await connection.ExecuteStringAsync("INFO", "memory").ConfigureAwait(false));
            var stats = Topology.ParseInfo(await connection.ExecuteStringAsync("INFO", "stats").ConfigureAwait(false));
            found.Add(new NodeMemory(master, Number(memory, "maxmemory"), memory.GetValueOrDefault("maxmemory_policy", "unknown"), Number(memory, "used_memory"), Number(stats, "evicted_keys")));
        }
        return found;
    }

    /// <summary>Keys evicted on <paramref name="now"/>'s masters since <paramref name="before"/> (by address), as "node: count (policy)" lines; none when none.</summary>
    public static List<string> EvictedSince(IReadOnlyDictionary<string, long> before, IReadOnlyList<NodeMemory> now) =>
        [.. now.Where(n => n.EvictedKeys > before.GetValueOrDefault(n.Node.Address, n.EvictedKeys))
            .Select(n => $"{n.Node.Address} evicted {n.EvictedKeys - before[n.Node.Address]:N0} key(s) ({n.Describe()})")];

    private static long Number(Dictionary<string, string> info, string field) =>
        long.TryParse(info.GetValueOrDefault(field), System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : 0;
}
