namespace DistributedCopy.Core.Replication;

/// <summary>
/// Whether a source can be followed by its replication stream: a master that takes a replica's handshake
/// (REPLCONF; managed caches and ACL users without the admin commands refuse it), each master of a cluster. Nothing is forked: PSYNC is not sent.
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
            await connection.ExecuteAsync("REPLCONF", "listening-port", "0").ConfigureAwait(false);
            return null;
        }
        catch (RedisErrorException ex)
        {
            return $"{source.Address} refuses a replica's handshake ({ex.Message}): managed caches refuse replication, and so does an ACL user without the admin commands; leave out --capture to follow it by keyspace notifications";
        }
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
