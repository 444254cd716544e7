namespace DistributedCopy.Core.Live;

/// <summary>
/// A source paused for a cutover (<see cref="PauseLease"/> pauses it): released with CLIENT UNPAUSE (`dcopy cutover --release`),
/// and the replicas read from waited for.
/// </summary>
public static class WritePause
{
    /// <summary>Releases the masters (each tried, whatever the others answer); what failed is in the checks.</summary>
    public static async Task UnpauseAsync(IReadOnlyList<RedisEndpoint> masters, List<string> checks, CancellationToken cancellationToken)
    {
        foreach (var master in masters)
        {
            string? refused;
            try
            {
                await using var connection = await RespConnection.ConnectAsync(master, cancellationToken).ConfigureAwait(false);
                refused = await TryAsync(connection, "CLIENT", "UNPAUSE").ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RespException or TimeoutException)
            {
                refused = ex.Message;
            }
            if (refused is not null)
            {
                checks.Add($"CLIENT UNPAUSE refused on {master.Address} ({refused}): writes resume when the pause runs out");
            }
        }
    }

    /// <summary>Runs a command; returns the server's error text, or null when it succeeded.</summary>
    private static async Task<string?> TryAsync(RespConnection connection, params string[] parts)
    {
        try
        {
            await connection.ExecuteAsync(parts).ConfigureAwait(false);
            return null;
        }
        catch (RedisErrorException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>
    /// Waits (until <paramref name="deadline"/>) for each replica to have applied its master's replication stream up to the
    /// master's offset when called (its writes paused): what is read from the replica is then all the master took.
    /// </summary>
    public static async Task<bool> ReplicasCaughtUpAsync(IReadOnlyList<(RedisEndpoint Master, RedisEndpoint Replica)> pairs, DateTime deadline, List<string> checks, CancellationToken cancellationToken)
    {
        foreach (var (master, replica) in pairs)
        {
            long target, reached;
            await using (var connection = await RespConnection.ConnectAsync(master, cancellationToken).ConfigureAwait(false))
            {
                target = await OffsetAsync(connection, "master_repl_offset").ConfigureAwait(false);
            }
            await using (var connection = await RespConnection.ConnectAsync(replica, cancellationToken).ConfigureAwait(false))
            {
                while ((reached = await OffsetAsync(connection, "slave_repl_offset").ConfigureAwait(false)) < target && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(10, cancellationToken).ConfigureAwait(false);
                }
            }
            if (reached < target)
            {
                checks.Add($"the replica {replica.Address} had not caught up with {master.Address} by the deadline ({reached:N0} of {target:N0} bytes of its stream)");
                return false;
            }
        }
        checks.Add($"every replica read from holds all its master wrote before the pause ({pairs.Count} replica(s), replication offsets compared)");
        return true;
    }

    private static async Task<long> OffsetAsync(RespConnection connection, string field)
    {
        var info = Topology.ParseInfo(await connection.ExecuteStringAsync("INFO", "replication").ConfigureAwait(false));
        return long.TryParse(info.GetValueOrDefault(field), System.Globalization.CultureInfo.InvariantCulture, out var offset) ? offset : -1;
    }
}
