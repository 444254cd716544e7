using System.Globalization;

namespace DistributedCopy.Core.Cluster;

// Topology, part 3: the replicas a source is read from (--read-from replica).
public sealed partial class Topology
{
    /// <summary>
    /// The same topology with a replica chosen for every shard to be read from (<see cref="Shard.ReadNode"/>): of the
    /// replicas each master lists as online (INFO replication), the one furthest along. A master with none fails, naming it:
    /// reading from it would be the load the operator asked to spare.
    /// </summary>
    public async Task<Topology> WithReadReplicasAsync(CancellationToken cancellationToken)
    {
        var shards = await Task.WhenAll(Shards.Select(async shard =>
        {
            await using var connection = await RespConnection.ConnectAsync(shard.Master, cancellationToken).ConfigureAwait(false);
            var replication = ParseInfo(await connection.ExecuteStringAsync("INFO", "replication").ConfigureAwait(false));
            var best = replication.Where(kv => kv.Key.StartsWith("slave", StringComparison.Ordinal) && char.IsAsciiDigit(kv.Key[^1]))
                .Select(kv => kv.Value.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal))
                .Where(r => r.GetValueOrDefault("state") == "online" && r.ContainsKey("ip") && r.ContainsKey("port"))
                .OrderByDescending(r => long.TryParse(r.GetValueOrDefault("offset"), CultureInfo.InvariantCulture, out var offset) ? offset : 0)
                .ThenBy(r => r["ip"] + ":" + r["port"], StringComparer.Ordinal)
                .FirstOrDefault()
                ?? throw new CopyException($"--read-from replica: {shard.Master.Address} has no replica online to read from");
            var replica = shard.Master.WithAddress(best["ip"], int.Parse(best["port"], CultureInfo.InvariantCulture)) with { ReadOnly = IsCluster };
            return shard with { Replica = replica };
        })).ConfigureAwait(false);
        return new Topology(IsCluster, shards, RedisVersion);
    }
}
