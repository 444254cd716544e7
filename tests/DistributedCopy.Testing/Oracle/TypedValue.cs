using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace DistributedCopy.Testing;

/// <summary>
/// A canonical text of a key's value by type, exact to the byte: every string, field, member and entry as its bytes
/// (length-prefixed, hex where not printable), unordered collections sorted, scores round-trip exact, and a stream with
/// its counters, consumer groups, consumers and pending entries with their delivery counts (from XINFO STREAM FULL).
/// Times a server sets on its own (delivery, seen and active times) are left out.
/// </summary>
public static class TypedValue
{
    public static async Task<string> ReadAsync(IDatabase db, RedisKey key, RedisType type)
    {
        switch (type)
        {
            case RedisType.String:
                return "string:" + Token((byte[]?)await db.StringGetAsync(key).ConfigureAwait(false) ?? []);
            case RedisType.Hash:
                var fields = await db.HashGetAllAsync(key).ConfigureAwait(false);
                return "hash:" + string.Join(",", fields.Select(f => Token(f.Name) + "=" + Token(f.Value)).Order(StringComparer.Ordinal));
            case RedisType.List:
                return "list:" + string.Join(",", (await db.ListRangeAsync(key).ConfigureAwait(false)).Select(Token));
            case RedisType.Set:
                return "set:" + string.Join(",", (await db.SetMembersAsync(key).ConfigureAwait(false)).Select(Token).Order(StringComparer.Ordinal));
            case RedisType.SortedSet:
                var entries = await db.SortedSetRangeByRankWithScoresAsync(key).ConfigureAwait(false);
                return "zset:" + string.Join(",", entries.Select(e => Token(e.Element) + "@" + e.Score.ToString("R", CultureInfo.InvariantCulture)));
            case RedisType.Stream:
                return "stream:" + await StreamAsync(db, key).ConfigureAwait(false);
            default:
                return type.ToString();
        }
    }

    private static async Task<string> StreamAsync(IDatabase db, RedisKey key)
    {
        RedisResult full;
        try
        {
            full = await db.ExecuteAsync("XINFO", "STREAM", key, "FULL", "COUNT", 0).ConfigureAwait(false);
        }
        catch (RedisServerException)
        {
            // a server without XINFO STREAM FULL: entries and each group's counters
            var stream = await db.StreamRangeAsync(key).ConfigureAwait(false);
            var groups = await db.StreamGroupInfoAsync(key).ConfigureAwait(false);
            return string.Join(",", stream.Select(e => e.Id + "{" + string.Join(",", e.Values.Select(v => Token(v.Name) + "=" + Token(v.Value))) + "}"))
                + " groups:" + string.Join(",", groups.Select(g => $"{g.Name}/{g.PendingMessageCount}/{g.LastDeliveredId}"));
        }
        var info = Map(full);
        var text = new StringBuilder();
        foreach (var counter in new[] { "length", "last-generated-id", "max-deleted-entry-id", "entries-added", "recorded-first-entry-id" })
        {
            if (info.TryGetValue(counter, out var value))
            {
                text.Append(counter).Append('=').Append(Scalar(value)).Append(' ');
            }
        }
        text.Append("entries=[");
        foreach (var entry in (RedisResult[])info["entries"]!)
        {
            var parts = (RedisResult[])entry!;
            text.Append(Scalar(parts[0])).Append('{').AppendJoin(",", ((RedisResult[])parts[1]!).Select(Scalar)).Append('}');
        }
        text.Append("] groups=[");
        var reads = new List<string>();
        foreach (var group in ((RedisResult[])info["groups"]!).Select(Map).OrderBy(g => Scalar(g["name"]), StringComparer.Ordinal))
        {
            text.Append(Scalar(group["name"])).Append(" last=").Append(Scalar(group["last-delivered-id"]));
            reads.Add(Scalar(group["name"]) + "=" + (group.TryGetValue("entries-read", out var read) ? Scalar(read) : "nil"));
            text.Append(" pel=").Append(Scalar(group["pel-count"])).Append(" pending=");
            // [id, consumer, delivery time, delivery count]: the time left out
            text.AppendJoin(",", ((RedisResult[])group["pending"]!).Select(p => (RedisResult[])p!).Select(p => $"{Scalar(p[0])}/{Scalar(p[1])}/{Scalar(p[3])}"));
            text.Append(" consumers=");
            foreach (var consumer in ((RedisResult[])group["consumers"]!).Select(Map).OrderBy(c => Scalar(c["name"]), StringComparer.Ordinal))
            {
                // [id, delivery time, delivery count]
                text.Append(Scalar(consumer["name"])).Append('/').Append(Scalar(consumer["pel-count"])).Append('(')
                    .AppendJoin(",", ((RedisResult[])consumer["pending"]!).Select(p => (RedisResult[])p!).Select(p => $"{Scalar(p[0])}/{Scalar(p[2])}")).Append(')');
            }
            text.Append(';');
        }
        return text.Append(']').Append(ReadsMark).AppendJoin(",", reads).ToString();
    }

    private const string ReadsMark = " | entries-read ";

    /// <summary>
    /// Whether two canonical texts are the same value. A stream group's entries-read counts only where both sides know it:
    /// Redis 7.0 does not replicate it exactly (a replica, or a replica a failover promoted, reports nil, "unknown", where
    /// its master reports the count), so nil against a count is not a difference; two counts must be equal.
    /// </summary>
    public static bool Same(string a, string b)
    {
        if (a == b)
        {
            return true;
        }
        var (ai, bi) = (a.LastIndexOf(ReadsMark, StringComparison.Ordinal), b.LastIndexOf(ReadsMark, StringComparison.Ordinal));
        if (ai < 0 || bi < 0 || a[..ai] != b[..bi])
        {
            return false;
        }
        var left = a[(ai + ReadsMark.Length)..].Split(',');
        var right = b[(bi + ReadsMark.Length)..].Split(',');
        return left.Length == right.Length && left.Zip(right).All(p => p.First == p.Second || p.First.EndsWith("=nil", StringComparison.Ordinal) || p.Second.EndsWith("=nil", StringComparison.Ordinal));
    }

    /// <summary>A RESP2 reply of alternating names and values (a RESP3 map arrives the same way) as a dictionary.</summary>
    private static Dictionary<string, RedisResult> Map(RedisResult reply)
    {
        var items = (RedisResult[])reply!;
        var map = new Dictionary<string, RedisResult>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            map[(string)items[i]!] = items[i + 1];
        }
        return map;
    }

    private static string Scalar(RedisResult value) => value.IsNull ? "nil" : value.Resp2Type == ResultType.Integer ? ((long)value).ToString(CultureInfo.InvariantCulture) : Token((byte[])value!);

    private static string Token(RedisValue value) => Token((byte[]?)value ?? []);

    /// <summary>Bytes as length:text, the text hex where any byte is not printable ASCII.</summary>
    public static string Token(byte[] bytes)
    {
        var printable = bytes.All(b => b is >= 0x20 and < 0x7F);
        return bytes.Length.ToString(CultureInfo.InvariantCulture) + ":" + (printable ? Encoding.ASCII.GetString(bytes) : "0x" + Convert.ToHexString(bytes));
    }
}
