namespace DistributedCopy.Core.Live;

/// <summary>
/// What live sync needs from <c>notify-keyspace-events</c> on every source master: keyevent notifications (E) for every
/// class of write — generic, string, list, set, hash, sorted set, stream, expired and evicted (<c>EA</c> covers them).
/// </summary>
public static class NotificationSettings
{
    /// <summary>The classes needed besides E; A stands for all of them.</summary>
    public const string Classes = "g$lshztxe";

    /// <summary>The flags missing from a setting, or "" when it covers every write.</summary>
    public static string Missing(string setting)
    {
        var missing = setting.Contains('E') ? "" : "E";
        return setting.Contains('A') ? missing : missing + new string(Classes.Where(c => !setting.Contains(c)).ToArray());
    }

    /// <summary>Checks every node; sets what is missing where <paramref name="configure"/> allows, else refuses with one line.</summary>
    public static async Task EnsureAsync(IReadOnlyList<RedisEndpoint> nodes, bool configure, CancellationToken cancellationToken)
    {
        foreach (var (node, setting, missing) in await ReadAsync(nodes, cancellationToken).ConfigureAwait(false))
        {
            if (missing == "" || (configure && setting is not null && await TrySetAsync(node, setting + missing, cancellationToken).ConfigureAwait(false)))
            {
                continue;
            }
            throw new CopyException(setting is null
                ? $"{node.Address} does not let dcopy read notify-keyspace-events (CONFIG GET refused): live sync needs it to hold E and A (\"EA\"); set it on the service (Azure Cache for Redis: Advanced settings → Keyspace notifications \"EA\"; ElastiCache: the parameter group's notify-keyspace-events \"EA\"; Memorystore: the redis config notify-keyspace-events \"EA\") and run again"
                : $"{node.Address} has notify-keyspace-events \"{setting}\", which lacks \"{missing}\": live sync needs keyevent notifications for every write (\"EA\"); run CONFIG SET notify-keyspace-events EA{(configure ? " (it was refused here)" : ", or pass --configure-notifications")}; on a managed cache set it on the service (Azure Cache for Redis: Advanced settings → Keyspace notifications; ElastiCache: the parameter group; Memorystore: the redis config)");
        }
    }

    private static async Task<bool> TrySetAsync(RedisEndpoint node, string setting, CancellationToken cancellationToken)
    {
        await using var connection = await RespConnection.ConnectAsync(node, cancellationToken).ConfigureAwait(false);
        var writer = new RespWriter(128);
        writer.Command(4).Bulk("CONFIG"u8).Bulk("SET"u8).Bulk("notify-keyspace-events"u8).Bulk(setting);
        await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
        await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        return !RespFrame.IsError(connection.Frame);
    }

    /// <summary>For `dcopy plan`: each node's setting and what it lacks (null where CONFIG GET is refused); writes nothing.</summary>
    public static async Task<IReadOnlyList<(RedisEndpoint Node, string? Setting, string? Missing)>> ReadAsync(IReadOnlyList<RedisEndpoint> nodes, CancellationToken cancellationToken)
    {
        var found = new List<(RedisEndpoint, string?, string?)>();
        foreach (var node in nodes)
        {
            await using var connection = await RespConnection.ConnectAsync(node, cancellationToken).ConfigureAwait(false);
            var writer = new RespWriter(128);
            writer.Command(3).Bulk("CONFIG"u8).Bulk("GET"u8).Bulk("notify-keyspace-events"u8);
            await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
            await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            var setting = Value(connection.Frame);
            found.Add((node, setting, setting is null ? null : Missing(setting)));
        }
        return found;
    }

    private static string? Value(ReadOnlySpan<byte> reply)
    {
        if (RespFrame.IsError(reply) || RespFrame.Array(reply) is not { Count: 2 } pair)
        {
            return null;
        }
        pair.Next();
        return RespFrame.String(pair.Next());
    }
}
