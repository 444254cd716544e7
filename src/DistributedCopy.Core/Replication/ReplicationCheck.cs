namespace DistributedCopy.Core.Replication;

/// <summary>
/// Whether a source can be followed by its replication stream, each master of a cluster: a master (not a replica) that
/// offers PSYNC (COMMAND INFO: managed caches rename or remove it), lets dcopy's user run it (ACL DRYRUN, which checks the
/// permission without running anything; Redis 7) and takes a replica's handshake (REPLCONF). PSYNC itself is not sent: it
/// would make the master fork for a snapshot.
/// </summary>
public static class ReplicationCheck
{
    /// <summary>Why <paramref name="source"/> cannot be followed by replication, or null when it can.</summary>
    public static async Task<string?> ProbeAsync(RedisEndpoint source, Topology topology, CancellationToken cancellationToken)
    {
        // each master of a cluster is followed by a link of its own
        foreach (var master in topology.IsCluster ? topology.Shards.Select(s => s.Master) : [source])
        {
            if (await ProbeMasterAsync(master, cancellationToken).ConfigureAwait(false) is { } why)
            {
                return why;
            }
        }
        return null;
    }

    private static async Task<string?> ProbeMasterAsync(RedisEndpoint source, CancellationToken cancellationToken)
    {
        await using var connection = await RespConnection.ConnectAsync(source, cancellationToken).ConfigureAwait(false);
        var info = Topology.ParseInfo(await connection.ExecuteStringAsync("INFO", "replication").ConfigureAwait(false));
        if (info.GetValueOrDefault("role") == "slave")
        {
            return $"{source.Address} is a replica (of {info.GetValueOrDefault("master_host")}:{info.GetValueOrDefault("master_port")}): name its master, whose writes the cutover pauses";
        }
        try
        {
            if (RespFrame.Array(await connection.ExecuteAsync("COMMAND", "INFO", "PSYNC").ConfigureAwait(false)) is { Count: 1 } commands && RespFrame.IsNull(commands.Next()))
            {
                return $"{source.Address} does not offer PSYNC (renamed or removed, as managed caches do): leave out --capture to follow it by keyspace notifications";
            }
            if (await DryRunAsync(connection).ConfigureAwait(false) is { } denied)
            {
                return $"{source.Address} does not let dcopy's user run PSYNC ({denied}): allow it (ACL SETUSER … +psync +replconf), or leave out --capture to follow it by keyspace notifications";
            }
            await connection.ExecuteAsync("REPLCONF", "listening-port", "0").ConfigureAwait(false);
            return null;
        }
        catch (RedisErrorException ex)
        {
            return $"{source.Address} refuses a replica's handshake ({ex.Message}): managed caches refuse replication, and so does an ACL user without the admin commands; leave out --capture to follow it by keyspace notifications";
        }
    }

    /// <summary>ACL DRYRUN of PSYNC for the connection's own user: the refusal's text, or null (allowed, or not known: before Redis 7, or no ACL rights).</summary>
    private static async Task<string?> DryRunAsync(RespConnection connection)
    {
        string user;
        try
        {
            user = await connection.ExecuteStringAsync("ACL", "WHOAMI").ConfigureAwait(false);
        }
        catch (RedisErrorException)
        {
            return null;
        }
        try
        {
            var answer = await connection.ExecuteStringAsync("ACL", "DRYRUN", user, "PSYNC", "?", "-1").ConfigureAwait(false);
            return answer == "OK" ? null : answer;
        }
        catch (RedisErrorException ex) when (!ex.Message.Contains("unknown", StringComparison.OrdinalIgnoreCase) && !ex.Message.Contains("NOPERM", StringComparison.Ordinal))
        {
            return ex.Message;
        }
        catch (RedisErrorException)
        {
            // DRYRUN unknown (before 7.0) or not allowed itself: the handshake below says what it can
            return null;
        }
    }

    /// <summary>
    /// A master's replication history: its replication id and the one before it (a replica promoted by a failover keeps
    /// its old master's as the second), or (null, null) for a node that is not a master.
    /// </summary>
    public static async Task<(string? Id, string? Previous)> HistoryAsync(RedisEndpoint node, CancellationToken cancellationToken)
    {
        await using var connection = await RespConnection.ConnectAsync(node, cancellationToken).ConfigureAwait(false);
        var info = Topology.ParseInfo(await connection.ExecuteStringAsync("INFO", "replication").ConfigureAwait(false));
        return info.GetValueOrDefault("role") == "master" ? (info.GetValueOrDefault("master_replid"), info.GetValueOrDefault("master_replid2")) : (null, null);
    }

    /// <summary>Throws (one line, nothing written) when <paramref name="source"/> cannot be followed by replication.</summary>
    public static async Task EnsureAsync(RedisEndpoint source, Topology topology, CancellationToken cancellationToken)
    {
        if (await ProbeAsync(source, topology, cancellationToken).ConfigureAwait(false) is { } why)
        {
            throw new CopyException($"--capture replication: {why}");
        }
    }
}
