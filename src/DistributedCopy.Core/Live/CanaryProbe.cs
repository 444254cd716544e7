namespace DistributedCopy.Core.Live;

/// <summary>
/// For `dcopy plan`: whether a sync could write its canary on each source master (one canary, set and deleted in one MULTI,
/// so nothing is left on the source), without following anything.
/// </summary>
public static class CanaryProbe
{
    /// <summary>Each master with the server's refusal (or the failure), or null where the canary was written.</summary>
    public static async Task<IReadOnlyList<(RedisEndpoint Master, string? Refused)>> TryAsync(Topology topology, RedisEndpoint standalone, CancellationToken cancellationToken)
    {
        var found = new List<(RedisEndpoint, string?)>();
        var masters = topology.IsCluster ? topology.Shards.Select(s => (s.Master, s.Slots.Count > 0 ? s.Slots[0].Start : 0)).ToList() : [(standalone, 0)];
        foreach (var (master, slot) in masters)
        {
            try
            {
                await using var connection = await RespConnection.ConnectAsync(master, cancellationToken).ConfigureAwait(false);
                found.Add((master, await CanaryKeys.WriteAsync(connection, CanaryKeys.Key(slot, "plan", 0), cancellationToken).ConfigureAwait(false)));
            }
            catch (Exception ex) when (ex is RespException or TimeoutException or IOException)
            {
                found.Add((master, ex.Message));
            }
        }
        return found;
    }
}
