using System.Globalization;

namespace DistributedCopy.Testing;

/// <summary>How often the servers ran a command, from their own INFO commandstats: writes counted where they land.</summary>
public static class CommandStats
{
    /// <summary>Calls of <paramref name="command"/> (lower case, e.g. "restore") summed over every node of the cluster.</summary>
    public static async Task<long> CallsAsync(RedisCluster cluster, string command)
    {
        long total = 0;
        foreach (var node in cluster.Nodes)
        {
            total += await CallsAsync(node, command).ConfigureAwait(false);
        }
        return total;
    }

    public static async Task<long> CallsAsync(RedisServer server, string command)
    {
        var prefix = $"cmdstat_{command}:calls=";
        var stats = await server.ExecuteAsync("INFO", "commandstats").ConfigureAwait(false);
        var line = stats.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(',')[0][prefix.Length..], CultureInfo.InvariantCulture);
    }
}
