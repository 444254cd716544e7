namespace DistributedCopy.Core.Rdb;

/// <summary>
/// What the target really restores, per type the source holds: a real DUMP payload of one source key of each type (from a
/// sample of the source) is RESTOREd on the target under a probe key whose name says it is dcopy's, with a 60 s TTL, and
/// deleted at once. Probe, don't infer: a version string says nothing of a server's RESTORE, its ACL or its types.
/// </summary>
public static class RestoreProbe
{
    /// <summary>Keys looked at per source node to find one of each type.</summary>
    public const int SampleKeys = 5_000;

    public static async Task<IReadOnlyList<TypeProbe>> ProbeAsync(IReadOnlyList<RedisEndpoint> sourceNodes, Topology target, RedisEndpoint targetSeed, CancellationToken cancellationToken = default)
    {
        var payloads = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var node in sourceNodes)
        {
            await using var connection = await RespConnection.ConnectAsync(node, cancellationToken).ConfigureAwait(false);
            foreach (var (type, payload) in await SampleAsync(connection, cancellationToken).ConfigureAwait(false))
            {
                payloads.TryAdd(type, payload);
            }
        }
        var results = new List<TypeProbe>();
        if (payloads.Count == 0)
        {
            return results;
        }
        var master = target.IsCluster ? target.Shards[0].Master : targetSeed;
        await using var probe = await RespConnection.ConnectAsync(master, cancellationToken).ConfigureAwait(false);
        var nonce = Guid.NewGuid().ToString("N")[..12];
        foreach (var (type, payload) in payloads)
        {
            if (payload.Length == 0)
            {
                results.Add(new TypeProbe(type, false, "the source does not DUMP this type"));
                continue;
            }
            var key = ProbeKey.For(target, nonce, type);
            var writer = new RespWriter();
            writer.Command(5).Bulk("RESTORE"u8).Bulk(key).Bulk(60_000).Bulk(payload).Bulk("REPLACE"u8);
            writer.Command(2).Bulk("DEL"u8).Bulk(key);
            await probe.SendAsync(writer, cancellationToken).ConfigureAwait(false);
            await probe.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            var refused = RespFrame.IsError(probe.Frame) ? RespFrame.ErrorText(probe.Frame) : null;
            await probe.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            var version = RdbVersions.OfPayload(payload);
            results.Add(refused is null
                ? new TypeProbe(type, true, $"RESTORE of an RDB {version} payload accepted")
                : new TypeProbe(type, false, $"RESTORE of an RDB {version} payload refused: {ServerText.Redact(refused, null)}"));
        }
        return results;
    }

    /// <summary>Keys above this size (MEMORY USAGE) are never DUMPed for a probe: the sample must not load a big key.</summary>
    public const long MaxProbeBytes = 1024 * 1024;

    /// <summary>
    /// One DUMP payload of each type among the first <see cref="SampleKeys"/> keys SCAN returns on the node: TYPE and MEMORY
    /// USAGE of each key first, then DUMP of one small key per type not yet found.
    /// </summary>
    private static async Task<Dictionary<string, byte[]>> SampleAsync(RespConnection connection, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var writer = new RespWriter(256);
        var cursor = "0";
        var looked = 0;
        do
        {
            writer.Clear();
            writer.Command(4).Bulk("SCAN"u8).Bulk(cursor).Bulk("COUNT"u8).Bulk(500);
            await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
            await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            RespConnection.ThrowIfError(connection.Frame);
            var keys = Keys(connection.Frame, out cursor);
            looked += keys.Count;
            writer.Clear();
            foreach (var key in keys)
            {
                writer.Command(2).Bulk("TYPE"u8).Bulk(key).Command(3).Bulk("MEMORY"u8).Bulk("USAGE"u8).Bulk(key);
            }
            await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
            var pick = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var key in keys)
            {
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                var type = RespFrame.IsError(connection.Frame) ? "none" : RespFrame.String(connection.Frame);
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                // where MEMORY USAGE is refused, a key's size is unknown: it is taken all the same
                var small = connection.Frame[0] != (byte)':' || RespFrame.Integer(connection.Frame) <= MaxProbeBytes;
                if (type != "none" && small && !found.ContainsKey(type))
                {
                    pick.TryAdd(type, key);
                }
            }
            if (pick.Count == 0)
            {
                continue;
            }
            writer.Clear();
            foreach (var key in pick.Values)
            {
                writer.Command(2).Bulk("DUMP"u8).Bulk(key);
            }
            await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
            foreach (var (type, _) in pick)
            {
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                // a type the server will not DUMP (nil) is probed as "no payload": those keys go by type
                found.TryAdd(type, !RespFrame.IsError(connection.Frame) && RespFrame.TryBulk(connection.Frame, out var payload) ? payload.ToArray() : []);
            }
        }
        while (cursor != "0" && looked < SampleKeys && found.Count < 6);
        return found;
    }

    /// <summary>The keys of a SCAN reply, and its next cursor.</summary>
    private static List<byte[]> Keys(ReadOnlySpan<byte> scanReply, out string cursor)
    {
        var keys = new List<byte[]>();
        var reply = RespFrame.Array(scanReply);
        cursor = RespFrame.String(reply.Next());
        var list = RespFrame.Array(reply.Next());
        while (list.MoveNext(out var key))
        {
            RespFrame.TryBulk(key, out var bytes);
            keys.Add(bytes.ToArray());
        }
        return keys;
    }
}
