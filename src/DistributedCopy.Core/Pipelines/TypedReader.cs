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
            into[k].Type = DataType.NameOf(batch.Payload(i));
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
                DataType.WriteRead(writer, command, batch.Key(i));
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

    private static string[][] Commands(string type, ReadOnlySpan<byte> key) =>
        DataType.Of(type)?.ReadCommands ?? throw new CopyException($"key {KeyText.Printable(key)} is of type {type}, which only DUMP/RESTORE copies (--mode dump, to a target that restores it)");

    private static void Parse(TypedValue value, ReadOnlySpan<byte> frame)
    {
        if (RespFrame.IsNull(frame))
        {
            value.Vanished = true;
            return;
        }
        DataType.Of(value.Type)!.Parse(value, frame);
    }
}
