namespace DistributedCopy.Core.Pipelines;

/// <summary>
/// Reads keys by type from the source, pipelined per master: GET, HGETALL, SMEMBERS, ZRANGE … WITHSCORES, LRANGE, and for
/// a stream XRANGE, XINFO STREAM and XINFO GROUPS. The type comes from the key's DUMP payload, read just before.
/// </summary>
internal sealed class TypedReader(ClusterView source) : ITypedValueReader
{
    public ShardConnections Connections { get; } = new(source);

    ShardConnections? ITypedValueReader.Connections => Connections;

    Task ITypedValueReader.ReadAsync(KeyBatch batch, IReadOnlyList<int> keys, TypedValue[] into, CancellationToken cancellationToken) => ReadAsync(batch, keys, into, cancellationToken);

    public async Task ReadAsync(KeyBatch batch, IReadOnlyList<int> keys, TypedValue[] into, CancellationToken cancellationToken, int depth = 0)
    {
        List<int>? changed = null;
        var topology = Connections.Topology;
        var route = new int[keys.Count];
        var replies = new int[keys.Count];
        var untyped = false;
        for (var k = 0; k < keys.Count; k++)
        {
            var i = keys[k];
            into[k].Clear();
            into[k].Type = RdbTypes.Of(batch.Payload(i));
            untyped |= batch.PayloadLength[i] == 0;
            route[k] = topology.ShardOrThrow(batch.SourceSlot[i], "source");
        }
        if (untyped)
        {
            await TypesAsync(batch, keys, route, into, cancellationToken).ConfigureAwait(false);
        }
        for (var k = 0; k < keys.Count; k++)
        {
            var i = keys[k];
            var value = into[k];
            if (value.Vanished)
            {
                continue;
            }
            var writer = Connections.Writer(route[k]);
            var commands = Commands(value.Type, batch.Key(i));
            foreach (var command in commands)
            {
                RdbTypes.WriteRead(writer, command, batch.Key(i));
            }
            replies[k] = commands.Length;
        }
        await Connections.SendAllAsync(cancellationToken).ConfigureAwait(false);
        string? redirect = null;
        for (var shard = 0; shard < topology.Shards.Count; shard++)
        {
            if (!Connections.HasCommands(shard))
            {
                continue;
            }
            var connection = await Connections.ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
            for (var k = 0; k < keys.Count; k++)
            {
                if (route[k] != shard)
                {
                    continue;
                }
                var value = into[k];
                for (var c = 0; c < replies[k]; c++)
                {
                    await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                    var frame = connection.Frame;
                    if (RespFrame.IsError(frame))
                    {
                        var text = RespFrame.ErrorText(frame);
                        if (text.StartsWith("ERR no such key", StringComparison.Ordinal))
                        {
                            value.Vanished = true;
                            continue;
                        }
                        if (text.StartsWith("WRONGTYPE", StringComparison.Ordinal))
                        {
                            // replaced by a value of another type since its DUMP: read again by what TYPE says now
                            (changed ??= []).Add(k);
                            continue;
                        }
                        redirect ??= text;
                        continue;
                    }
                    Parse(value, frame);
                }
            }
        }
        Connections.ClearWriters();
        if (redirect is not null)
        {
            throw ServerErrors.Classify(redirect, "source");
        }
        if (changed is not null)
        {
            if (depth >= 3)
            {
                throw new CopyException($"key {KeyText.Printable(batch.Key(keys[changed[0]]))} changed type on the source while being read, three times over");
            }
            foreach (var k in changed)
            {
                batch.Dumps.Unset(keys[k]);
            }
            var again = changed.Select(k => into[k]).ToArray();
            await ReadAsync(batch, changed.Select(k => keys[k]).ToList(), again, cancellationToken, depth + 1).ConfigureAwait(false);
        }
    }

    /// <summary>TYPE of the keys that came without a payload (the source would not DUMP them); "none" is gone.</summary>
    private async Task TypesAsync(KeyBatch batch, IReadOnlyList<int> keys, int[] route, TypedValue[] into, CancellationToken cancellationToken)
    {
        for (var k = 0; k < keys.Count; k++)
        {
            if (batch.PayloadLength[keys[k]] == 0)
            {
                Connections.Writer(route[k]).Command(2).Bulk("TYPE"u8).Bulk(batch.Key(keys[k]));
            }
        }
        var error = await Connections.SendAndReadEachAsync(route, 0, keys.Count, k => batch.PayloadLength[keys[k]] == 0, (k, reply) =>
        {
            into[k].Type = RespFrame.String(reply);
            into[k].Vanished = into[k].Type == "none";
        }, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            throw ServerErrors.Classify(error, "source");
        }
    }

    private static string[][] Commands(string type, ReadOnlySpan<byte> key) => type switch
    {
        "string" => [["GET"]],
        "hash" => [["HGETALL"]],
        "set" => [["SMEMBERS"]],
        "zset" => [["ZRANGE", "0", "-1", "WITHSCORES"]],
        "list" => [["LRANGE", "0", "-1"]],
        // one reply with the entries, the counters, the groups, their consumers and pending entries (Redis 6 and later)
        "stream" => [["XINFO", "STREAM", "FULL", "COUNT", "0"]],
        _ => throw new CopyException($"key {KeyText.Printable(key)} is of type {type}, which only DUMP/RESTORE copies (--mode dump, to a target that restores it)"),
    };

    private static void Parse(TypedValue value, ReadOnlySpan<byte> frame)
    {
        if (RespFrame.IsNull(frame))
        {
            value.Vanished = true;
            return;
        }
        if (value.Type == "string")
        {
            RespFrame.TryBulk(frame, out var bytes);
            value.Items.Add(bytes.ToArray());
            return;
        }
        if (value.Type != "stream")
        {
            var items = RespFrame.Array(frame);
            value.Vanished = items.Count == 0;
            while (items.MoveNext(out var item))
            {
                value.Items.Add(Bytes(item));
            }
            return;
        }
        ParseStream(value, frame);
    }

    /// <summary>XINFO STREAM key FULL: a flat field/value reply whose entries and groups are nested.</summary>
    private static void ParseStream(TypedValue value, ReadOnlySpan<byte> frame)
    {
        Fields(frame, value.StreamInfo);
        var fields = RespFrame.Array(frame);
        while (fields.MoveNext(out var name) && fields.MoveNext(out var field))
        {
            switch (RespFrame.String(name))
            {
                case "entries":
                    var entries = RespFrame.Array(field);
                    while (entries.MoveNext(out var entry))
                    {
                        var pair = RespFrame.Array(entry);
                        var id = Bytes(pair.Next());
                        value.Entries.Add((id, Items(pair.Next())));
                    }
                    break;
                case "groups":
                    var groups = RespFrame.Array(field);
                    while (groups.MoveNext(out var groupFrame))
                    {
                        value.Groups.Add(ParseGroup(groupFrame));
                    }
                    break;
            }
        }
    }

    private static StreamGroup ParseGroup(ReadOnlySpan<byte> frame)
    {
        var group = new StreamGroup();
        Fields(frame, group.Fields);
        var fields = RespFrame.Array(frame);
        while (fields.MoveNext(out var name) && fields.MoveNext(out var field))
        {
            switch (RespFrame.String(name))
            {
                case "pending" or "pel":
                    var pel = RespFrame.Array(field);
                    while (pel.MoveNext(out var pending))
                    {
                        // [id, consumer, delivery-time, delivery-count]
                        var parts = RespFrame.Array(pending);
                        group.Pending.Add((Bytes(parts.Next()), Bytes(parts.Next()), RespFrame.Integer(parts.Next()), RespFrame.Integer(parts.Next())));
                    }
                    break;
                case "consumers":
                    var consumers = RespFrame.Array(field);
                    while (consumers.MoveNext(out var consumer))
                    {
                        var consumerFields = new Dictionary<string, string>(StringComparer.Ordinal);
                        Fields(consumer, consumerFields);
                        group.Consumers.Add(System.Text.Encoding.UTF8.GetBytes(consumerFields.GetValueOrDefault("name", "")));
                    }
                    break;
            }
        }
        return group;
    }

    private static List<byte[]> Items(ReadOnlySpan<byte> frame)
    {
        var items = new List<byte[]>();
        var list = RespFrame.Array(frame);
        while (list.MoveNext(out var item))
        {
            items.Add(Bytes(item));
        }
        return items;
    }

    /// <summary>The scalar fields of a flat field/value reply (XINFO's); nested values are passed over.</summary>
    internal static void Fields(ReadOnlySpan<byte> frame, Dictionary<string, string> into)
    {
        var pairs = RespFrame.Array(frame);
        while (pairs.MoveNext(out var name) && pairs.MoveNext(out var field))
        {
            if (field[0] is (byte)':' or (byte)'$' or (byte)'+' && !RespFrame.IsNull(field))
            {
                into[RespFrame.String(name)] = field[0] == (byte)':' ? RespFrame.Integer(field).ToString(System.Globalization.CultureInfo.InvariantCulture) : RespFrame.String(field);
            }
        }
    }

    private static byte[] Bytes(ReadOnlySpan<byte> frame) =>
        frame[0] == (byte)':' ? System.Text.Encoding.ASCII.GetBytes(RespFrame.Integer(frame).ToString(System.Globalization.CultureInfo.InvariantCulture))
        : RespFrame.TryBulk(frame, out var bytes) ? bytes.ToArray() : [];
}
