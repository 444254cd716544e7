namespace DistributedCopy.Core.Verify;

/// <summary>
/// Compares one key by value a chunk at a time, for keys too big to DUMP and for keys a server will not DUMP: type and
/// length first, then strings by GETRANGE, lists and streams by LRANGE/XRANGE on both sides, and hashes, sets and sorted
/// sets by scanning the source (HSCAN, SSCAN, ZSCAN) and looking each chunk up on the target (HMGET, SMISMEMBER, ZMSCORE).
/// Equal lengths and every source item found equal on the target make the values equal. The key may have another name on
/// the target (renamed).
/// </summary>
internal sealed class ChunkedComparer(ShardConnections source, ShardConnections target, int chunkItems = 1000, int chunkBytes = 1024 * 1024)
{
    public enum Outcome { Same, Vanished, Missing, TypeMismatch, ValueMismatch }

    public async Task<Outcome> CompareAsync(byte[] key, byte[] targetKey, int sourceSlot, int targetSlot, CancellationToken cancellationToken)
    {
        var left = await source.ConnectionAsync(source.Topology.ShardFor(sourceSlot), cancellationToken).ConfigureAwait(false);
        var right = await target.ConnectionAsync(target.Topology.ShardFor(targetSlot), cancellationToken).ConfigureAwait(false);
        var type = RespFrame.String(await ExecuteAsync(left, cancellationToken, "TYPE", key).ConfigureAwait(false));
        var other = RespFrame.String(await ExecuteAsync(right, cancellationToken, "TYPE", targetKey).ConfigureAwait(false));
        if (type == "none")
        {
            return Outcome.Vanished;
        }
        if (other != type)
        {
            return other == "none" ? Outcome.Missing : Outcome.TypeMismatch;
        }
        var length = type switch { "string" => "STRLEN", "list" => "LLEN", "hash" => "HLEN", "set" => "SCARD", "zset" => "ZCARD", "stream" => "XLEN", _ => null };
        if (length is null)
        {
            return Outcome.ValueMismatch;
        }
        var count = RespFrame.Integer(await ExecuteAsync(left, cancellationToken, length, key).ConfigureAwait(false));
        if (count != RespFrame.Integer(await ExecuteAsync(right, cancellationToken, length, targetKey).ConfigureAwait(false)))
        {
            return Outcome.ValueMismatch;
        }
        var same = type switch
        {
            "string" => await RangesAsync(left, right, key, targetKey, count, chunkBytes, "GETRANGE", cancellationToken).ConfigureAwait(false),
            "list" => await RangesAsync(left, right, key, targetKey, count, chunkItems, "LRANGE", cancellationToken).ConfigureAwait(false),
            "stream" => await StreamsAsync(left, right, key, targetKey, cancellationToken).ConfigureAwait(false),
            _ => await LookupsAsync(left, right, key, targetKey, type, cancellationToken).ConfigureAwait(false),
        };
        return same ? Outcome.Same : Outcome.ValueMismatch;
    }

    /// <summary>The same index range read on both sides gives the same reply bytes.</summary>
    private static async Task<bool> RangesAsync(RespConnection left, RespConnection right, byte[] key, byte[] targetKey, long count, int step, string command, CancellationToken cancellationToken)
    {
        for (long start = 0; start < count; start += step)
        {
            var a = await ExecuteAsync(left, cancellationToken, command, key, start, start + step - 1).ConfigureAwait(false);
            var b = await ExecuteAsync(right, cancellationToken, command, targetKey, start, start + step - 1).ConfigureAwait(false);
            if (!a.AsSpan().SequenceEqual(b))
            {
                return false;
            }
        }
        return true;
    }

    private async Task<bool> StreamsAsync(RespConnection left, RespConnection right, byte[] key, byte[] targetKey, CancellationToken cancellationToken)
    {
        var start = "-";
        while (true)
        {
            var a = await ExecuteAsync(left, cancellationToken, "XRANGE", key, start, "+", "COUNT", chunkItems).ConfigureAwait(false);
            var b = await ExecuteAsync(right, cancellationToken, "XRANGE", targetKey, start, "+", "COUNT", chunkItems).ConfigureAwait(false);
            if (!a.AsSpan().SequenceEqual(b))
            {
                return false;
            }
            var (last, entries) = LastId(a);
            if (entries < chunkItems)
            {
                return true;
            }
            start = "(" + last;
        }
    }

    /// <summary>Scans the source and looks each chunk's items up on the target.</summary>
    private async Task<bool> LookupsAsync(RespConnection left, RespConnection right, byte[] key, byte[] targetKey, string type, CancellationToken cancellationToken)
    {
        var (scan, lookup) = type switch { "hash" => ("HSCAN", "HMGET"), "set" => ("SSCAN", "SMISMEMBER"), _ => ("ZSCAN", "ZMSCORE") };
        var cursor = "0";
        do
        {
            var page = await ExecuteAsync(left, cancellationToken, scan, key, cursor, "COUNT", chunkItems).ConfigureAwait(false);
            var (next, items) = ScanPage(page, type != "set");
            cursor = next;
            if (items.Count == 0)
            {
                continue;
            }
            var found = await ExecuteAsync(right, cancellationToken, [lookup, targetKey, .. items.Select(item => (object)item.Name)]).ConfigureAwait(false);
            if (!Matches(found, items, type))
            {
                return false;
            }
        }
        while (cursor != "0");
        return true;
    }

    private static bool Matches(byte[] found, List<(byte[] Name, byte[]? Value)> items, string type)
    {
        var replies = RespFrame.Array(found);
        foreach (var (_, value) in items)
        {
            var reply = replies.Next();
            var ok = type switch
            {
                "set" => RespFrame.Integer(reply) == 1,
                "hash" => RespFrame.TryBulk(reply, out var bytes) && bytes.SequenceEqual(value!),
                _ => RespFrame.TryBulk(reply, out var score) && Score(score) == Score(value),
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A score as a number, so two servers that print it differently (1.5, 1.50) still agree; inf included.</summary>
    private static double Score(ReadOnlySpan<byte> text)
    {
        var s = System.Text.Encoding.ASCII.GetString(text);
        return s switch
        {
            "inf" or "+inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            _ => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    private static (string Cursor, List<(byte[] Name, byte[]? Value)> Items) ScanPage(byte[] page, bool pairs)
    {
        var reply = RespFrame.Array(page);
        var cursor = RespFrame.String(reply.Next());
        var items = new List<(byte[], byte[]?)>();
        var list = RespFrame.Array(reply.Next());
        while (list.MoveNext(out var name))
        {
            RespFrame.TryBulk(name, out var nameBytes);
            byte[]? value = null;
            if (pairs && list.MoveNext(out var second))
            {
                RespFrame.TryBulk(second, out var valueBytes);
                value = valueBytes.ToArray();
            }
            items.Add((nameBytes.ToArray(), value));
        }
        return (cursor, items);
    }

    private static (string Last, int Entries) LastId(byte[] reply)
    {
        var entries = RespFrame.Array(reply);
        var last = "";
        while (entries.MoveNext(out var entry))
        {
            last = RespFrame.String(RespFrame.Array(entry).Next());
        }
        return (last, entries.Count);
    }

    /// <summary>One command; parts are byte arrays, strings or numbers. Returns a copy of the reply; throws on an error reply.</summary>
    private static async Task<byte[]> ExecuteAsync(RespConnection connection, CancellationToken cancellationToken, params object[] parts)
    {
        var writer = new RespWriter(1024);
        writer.Command(parts.Length);
        foreach (var part in parts)
        {
            _ = part switch
            {
                byte[] bytes => writer.Bulk(bytes),
                string text => writer.Bulk(text),
                int number => writer.Bulk(number),
                long number => writer.Bulk(number),
                _ => throw new ArgumentException($"cannot send {part.GetType().Name}", nameof(parts)),
            };
        }
        await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
        await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        RespConnection.ThrowIfError(connection.Frame);
        return connection.Frame.ToArray();
    }
}
