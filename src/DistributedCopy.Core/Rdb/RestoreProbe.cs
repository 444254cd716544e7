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

    /// <summary>One DUMP payload of each type among the first <see cref="SampleKeys"/> keys SCAN returns on the node.</summary>
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
                writer.Command(2).Bulk("DUMP"u8).Bulk(key);
            }
            await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
            foreach (var _ in keys)
            {
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                Keep(connection.Frame, found);
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

    /// <summary>The payload of a DUMP reply, when it is the first of its type.</summary>
    private static void Keep(ReadOnlySpan<byte> reply, Dictionary<string, byte[]> found)
    {
        if (!RespFrame.IsError(reply) && RespFrame.TryBulk(reply, out var payload) && !found.ContainsKey(RdbTypes.Of(payload)))
        {
            found[RdbTypes.Of(payload)] = payload.ToArray();
        }
    }
}
