using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DistributedCopy.Core.Resp;

namespace DistributedCopy.Testing;

/// <summary>
/// Big keys for tests: written in pipelined commands of about 1 MB, and read back a chunk at a time into a digest of the
/// value (ordered types in order, unordered ones sorted), so two servers' values compare without holding either whole.
/// </summary>
public static class BigKeys
{
    /// <summary>
    /// A list of <paramref name="count"/> distinct elements of <paramref name="size"/> bytes: letters, or with
    /// <paramref name="random"/> random bytes (which DUMP's compression cannot shrink).
    /// </summary>
    public static Task ListAsync(RedisEndpoint endpoint, string key, int count, int size, bool random = false) =>
        WriteAsync(endpoint, key, count, 1_000_000 / (size + 16), (writer, from, to) =>
        {
            writer.Command(2 + to - from).Bulk("RPUSH").Bulk(key);
            for (var i = from; i < to; i++)
            {
                writer.Bulk(Element(i, size, random));
            }
        });

    /// <summary>A string of <paramref name="megabytes"/> MB (each megabyte of its own byte value, or random bytes), by APPEND.</summary>
    public static Task StringAsync(RedisEndpoint endpoint, string key, int megabytes, bool random = false) =>
        WriteAsync(endpoint, key, megabytes, 1, (writer, from, _) =>
        {
            var chunk = new byte[1 << 20];
            if (random)
            {
                new Random(from).NextBytes(chunk);
            }
            else
            {
                Array.Fill(chunk, (byte)(from % 251));
            }
            writer.Command(3).Bulk("APPEND").Bulk(key).Bulk(chunk);
        });

    public static Task HashAsync(RedisEndpoint endpoint, string key, int fields) =>
        WriteAsync(endpoint, key, fields, 5000, (writer, from, to) =>
        {
            writer.Command(2 + 2 * (to - from)).Bulk("HSET").Bulk(key);
            for (var i = from; i < to; i++)
            {
                writer.Bulk($"field:{i}").Bulk($"value:{i * 7}");
            }
        });

    public static Task SetAsync(RedisEndpoint endpoint, string key, int members) =>
        WriteAsync(endpoint, key, members, 5000, (writer, from, to) =>
        {
            writer.Command(2 + to - from).Bulk("SADD").Bulk(key);
            for (var i = from; i < to; i++)
            {
                writer.Bulk($"member:{i}");
            }
        });

    /// <summary>Scores with fractions, negatives and every 1000th at ±inf.</summary>
    public static Task SortedSetAsync(RedisEndpoint endpoint, string key, int members) =>
        WriteAsync(endpoint, key, members, 5000, (writer, from, to) =>
        {
            writer.Command(2 + 2 * (to - from)).Bulk("ZADD").Bulk(key);
            for (var i = from; i < to; i++)
            {
                var score = i % 1000 == 0 ? (i % 2000 == 0 ? "+inf" : "-inf") : (i * 0.37 - 50_000).ToString("R", CultureInfo.InvariantCulture);
                writer.Bulk(score).Bulk($"member:{i}");
            }
        });

    /// <summary>A stream of <paramref name="entries"/> entries with explicit ids, a group with <paramref name="pending"/> entries delivered to a consumer.</summary>
    public static async Task StreamAsync(RedisEndpoint endpoint, string key, int entries, int pending)
    {
        await WriteAsync(endpoint, key, entries, 1000, (writer, from, to) =>
        {
            for (var i = from; i < to; i++)
            {
                writer.Command(7).Bulk("XADD").Bulk(key).Bulk($"{1_000_000 + i}-{i % 3}").Bulk("field").Bulk($"value:{i}").Bulk("pad").Bulk(new string('p', 100));
            }
        });
        await using var connection = await ConnectAsync(endpoint, key);
        await connection.ExecuteAsync("XGROUP", "CREATE", key, "readers", "0");
        await connection.ExecuteAsync("XREADGROUP", "GROUP", "readers", "alice", "COUNT", pending.ToString(CultureInfo.InvariantCulture), "STREAMS", key, ">");
        await connection.ExecuteAsync("XGROUP", "CREATECONSUMER", key, "readers", "bob");
    }

    public static byte[] Element(int i, int size, bool random = false)
    {
        var element = new byte[size];
        if (random)
        {
            new Random(i).NextBytes(element);
        }
        else
        {
            Array.Fill(element, (byte)('a' + i % 26));
        }
        Encoding.ASCII.GetBytes(i.ToString("D10", CultureInfo.InvariantCulture)).CopyTo(element, 0);
        return element;
    }

    /// <summary>
    /// The key's type, length and a SHA-256 of its value read in chunks (list and stream entries in order; hash fields, set
    /// members and sorted-set members with scores sorted); for a stream also its groups (name, last id, pending, consumers).
    /// </summary>
    public static async Task<string> DigestAsync(RedisEndpoint endpoint, string key)
    {
        await using var connection = await ConnectAsync(endpoint, key);
        var type = await connection.ExecuteStringAsync("TYPE", key);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long length = 0;
        switch (type)
        {
            case "string":
                length = await connection.ExecuteIntegerAsync("STRLEN", key);
                for (long offset = 0; offset < length; offset += 1 << 20)
                {
                    hash.AppendData(await connection.ExecuteAsync("GETRANGE", key, Text(offset), Text(offset + (1 << 20) - 1)));
                }
                break;
            case "list":
                length = await connection.ExecuteIntegerAsync("LLEN", key);
                for (long start = 0; start < length; start += 1000)
                {
                    hash.AppendData(await connection.ExecuteAsync("LRANGE", key, Text(start), Text(start + 999)));
                }
                break;
            case "stream":
                length = await connection.ExecuteIntegerAsync("XLEN", key);
                var info = await connection.ExecuteAsync("XINFO", "GROUPS", key);
                hash.AppendData(info); // last ids, entries read, lag, pending and consumer counts
                for (var start = "-"; ;)
                {
                    var page = await connection.ExecuteAsync("XRANGE", key, start, "+", "COUNT", "1000");
                    hash.AppendData(page);
                    var ids = RespFrame.Array(page);
                    if (ids.Count < 1000)
                    {
                        break;
                    }
                    start = "(" + LastId(page);
                }
                // the summary: count, first and last id, per consumer (idle times differ by the copy's own duration)
                hash.AppendData(await connection.ExecuteAsync("XPENDING", key, "readers"));
                break;
            default:
                var items = new List<string>();
                var scan = type switch { "hash" => "HSCAN", "set" => "SSCAN", _ => "ZSCAN" };
                var cursor = "0";
                do
                {
                    var page = RespFrame.Array(await connection.ExecuteAsync(scan, key, cursor, "COUNT", "1000"));
                    cursor = RespFrame.String(page.Next());
                    var list = RespFrame.Array(page.Next());
                    while (list.MoveNext(out var item))
                    {
                        var text = RespFrame.String(item);
                        if (type != "set" && list.MoveNext(out var second))
                        {
                            text += "=" + RespFrame.String(second);
                        }
                        items.Add(text);
                    }
                }
                while (cursor != "0");
                items = [.. items.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
                length = items.Count;
                foreach (var item in items)
                {
                    hash.AppendData(Encoding.UTF8.GetBytes(item + "\n"));
                }
                break;
        }
        var ttl = await connection.ExecuteIntegerAsync("PTTL", key);
        return $"{type} length {length} ttl {(ttl < 0 ? ttl.ToString(CultureInfo.InvariantCulture) : "set")} sha256 {Convert.ToHexString(hash.GetHashAndReset())}";
    }

    private static string LastId(byte[] page)
    {
        var entries = RespFrame.Array(page);
        var last = "";
        while (entries.MoveNext(out var entry))
        {
            last = RespFrame.String(RespFrame.Array(entry).Next());
        }
        return last;
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static async Task<RespConnection> ConnectAsync(RedisEndpoint endpoint, string key)
    {
        var topology = await Topology.ReadAsync(endpoint);
        return await RespConnection.ConnectAsync(topology.IsCluster ? topology.Shards[topology.ShardFor(HashSlot.Of(key))].Master : endpoint);
    }

    private static async Task WriteAsync(RedisEndpoint endpoint, string key, int count, int perCommand, Action<RespWriter, int, int> command)
    {
        await using var connection = await ConnectAsync(endpoint, key);
        var writer = new RespWriter(2 * 1024 * 1024);
        for (var from = 0; from < count;)
        {
            var to = Math.Min(count, from + perCommand);
            command(writer, from, to);
            from = to;
            if (writer.Length >= 1024 * 1024 || from == count)
            {
                await connection.SendAsync(writer);
                for (var i = 0; i < writer.Commands; i++)
                {
                    await connection.ReadFrameAsync();
                    RespConnection.ThrowIfError(connection.Frame);
                }
                writer.Clear();
            }
        }
    }
}
