namespace DistributedCopy.Core.Cluster;

/// <summary>
/// What one side's servers really accept, probed (never inferred from a version string): PEXPIRETIME (absolute expiry
/// on read) and RESTORE … ABSTTL (absolute expiry on write). The probe writes nothing: PEXPIRETIME of a key that does
/// not exist, and a RESTORE whose payload is refused after its arguments were accepted. Also the largest argument the
/// server takes (CONFIG GET proto-max-bulk-len; null where CONFIG is refused), so a value too big is refused before it is
/// sent: past that limit the server drops the connection, and the error may be lost with it. And whether MEMORY USAGE
/// answers (sizing keys before DUMP, so big ones are copied in chunks).
/// </summary>
public sealed record ServerCapabilities(bool ExpireTime, bool AbsoluteTtl, long? MaxBulkLength = null, bool MemoryUsage = false)
{
    public static readonly ServerCapabilities None = new(false, false);

    public static async Task<ServerCapabilities> ProbeAsync(Topology topology, CancellationToken cancellationToken)
    {
        var master = topology.Shards[0].Master;
        var key = ProbeKey.For(topology, Guid.NewGuid().ToString("N")[..12], "capabilities");
        await using var connection = await RespConnection.ConnectAsync(master, cancellationToken).ConfigureAwait(false);
        var writer = new RespWriter(256);
        writer.Command(2).Bulk("PEXPIRETIME"u8).Bulk(key);
        writer.Command(5).Bulk("RESTORE"u8).Bulk(key).Bulk(1).Bulk("dcopy-probe"u8).Bulk("ABSTTL"u8);
        writer.Command(3).Bulk("CONFIG"u8).Bulk("GET"u8).Bulk("proto-max-bulk-len"u8);
        writer.Command(3).Bulk("MEMORY"u8).Bulk("USAGE"u8).Bulk(key);
        await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
        await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        var expireTime = !RespFrame.IsError(connection.Frame);
        await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        // arguments accepted, payload refused (or, impossibly, restored already expired): ABSTTL is understood
        var absoluteTtl = !RespFrame.IsError(connection.Frame)
            || RespFrame.ErrorText(connection.Frame) is var text && (text.Contains("DUMP payload", StringComparison.Ordinal) || text.StartsWith("BUSYKEY", StringComparison.Ordinal));
        await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        var maxBulkLength = ConfigNumber(connection.Frame);
        await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        return new ServerCapabilities(expireTime, absoluteTtl, maxBulkLength, !RespFrame.IsError(connection.Frame));
    }

    /// <summary>The value of a CONFIG GET reply for one parameter, or null when refused or not a positive number.</summary>
    private static long? ConfigNumber(ReadOnlySpan<byte> reply)
    {
        if (RespFrame.IsError(reply) || RespFrame.Array(reply) is not { Count: 2 } pair)
        {
            return null;
        }
        pair.Next();
        return RespFrame.TryBulk(pair.Next(), out var value) && long.TryParse(value, out var number) && number > 0 ? number : null;
    }
}
