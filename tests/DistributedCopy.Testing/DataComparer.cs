using DistributedCopy.Core.Resp;
using StackExchange.Redis;

namespace DistributedCopy.Testing;

/// <summary>
/// Compares a target with its source: every key's DUMP payload and TTL (within a tolerance) through pipelined reads, and a
/// sample of each type by value (hash fields, list order, set members, scores, stream entries and consumer groups).
/// </summary>
public static class DataComparer
{
    public static async Task<CompareResult> CompareAsync(RedisEndpoint source, RedisEndpoint target, long ttlToleranceMs = 1000, int typedSamplePerType = 50)
    {
        var sourceTopology = await Topology.ReadAsync(source).ConfigureAwait(false);
        var targetTopology = await Topology.ReadAsync(target).ConfigureAwait(false);
        var keys = await AllKeysAsync(sourceTopology).ConfigureAwait(false);
        long missing = 0, payload = 0, ttl = 0;
        var examples = new List<string>();
        var payloadMismatch = new List<byte[]>();
        const int Batch = 1000;
        for (var offset = 0; offset < keys.Count; offset += Batch)
        {
            var chunk = keys.Skip(offset).Take(Batch).ToList();
            var left = await DumpAsync(sourceTopology, chunk).ConfigureAwait(false);
            var right = await DumpAsync(targetTopology, chunk).ConfigureAwait(false);
            var gone = await ExpiredSinceAsync(sourceTopology, chunk, left, right, ttlToleranceMs).ConfigureAwait(false);
            for (var i = 0; i < chunk.Count; i++)
            {
                if (left[i].Payload is null || gone.Contains(i))
                {
                    continue; // expired meanwhile
                }
                string? problem = null;
                if (right[i].Payload is null)
                {
                    missing++;
                    problem = "missing";
                }
                else
                {
                    if (!left[i].Payload.AsSpan().SequenceEqual(right[i].Payload))
                    {
                        // hashtable-encoded sets and hashes serialize in iteration order, which a RESTORE may change: compared by value below
                        payloadMismatch.Add(chunk[i]);
                    }
                    // the expiry of every key, whatever its payload's bytes (a key written by type has other bytes and its own expiry)
                    if ((left[i].Ttl < 0) != (right[i].Ttl < 0) || Math.Abs(left[i].Ttl - right[i].Ttl) > ttlToleranceMs)
                    {
                        ttl++;
                        problem = $"ttl {left[i].Ttl} vs {right[i].Ttl}";
                    }
                }
                if (problem is not null && examples.Count < 5)
                {
                    examples.Add($"{KeyText.Printable(chunk[i])}: {problem}");
                }
            }
        }
        var (typedDiffers, typedCompared) = await CompareTypedSampleAsync(source, target, keys, typedSamplePerType, examples).ConfigureAwait(false);
        (payload, _) = await CompareTypedSampleAsync(source, target, payloadMismatch, int.MaxValue, examples).ConfigureAwait(false);
        var targetKeys = await AllKeysAsync(targetTopology).ConfigureAwait(false);
        var listed = keys.Select(Convert.ToBase64String).ToHashSet(StringComparer.Ordinal);
        var targetOnly = targetKeys.Where(k => !listed.Contains(Convert.ToBase64String(k))).ToList();
        examples.AddRange(targetOnly.Take(Math.Max(0, 5 - examples.Count)).Select(k => $"{KeyText.Printable(k)}: on the target only"));
        return new CompareResult(keys.Count, targetKeys.Count, missing, payload, ttl, typedDiffers, typedCompared, examples) { TargetOnly = targetOnly.Count };
    }

    /// <summary>
    /// The keys the target lacks that expired (or are within the tolerance of expiring) on the source since it was read:
    /// the source is read first, so a key expiring between the two reads is gone from the target only by the clock.
    /// </summary>
    private static async Task<HashSet<int>> ExpiredSinceAsync(Topology source, List<byte[]> chunk, (byte[]? Payload, long Ttl)[] left, (byte[]? Payload, long Ttl)[] right, long toleranceMs)
    {
        var candidates = Enumerable.Range(0, chunk.Count).Where(i => left[i].Payload is not null && left[i].Ttl >= 0 && right[i].Payload is null).ToList();
        var gone = new HashSet<int>();
        if (candidates.Count == 0)
        {
            return gone;
        }
        var again = await DumpAsync(source, candidates.Select(i => chunk[i]).ToList()).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var n = 0; n < candidates.Count; n++)
        {
            if (again[n].Payload is null || (again[n].Ttl >= 0 && again[n].Ttl <= now + toleranceMs))
            {
                gone.Add(candidates[n]);
            }
        }
        return gone;
    }

    public static async Task<List<byte[]>> AllKeysAsync(Topology topology)
    {
        var keys = new List<byte[]>();
        foreach (var shard in topology.Shards)
        {
            await using var connection = await RespConnection.ConnectAsync(shard.Master).ConfigureAwait(false);
            var cursor = "0";
            var seen = new HashSet<string>(StringComparer.Ordinal);
            do
            {
                var reply = RespFrame.Array(await connection.ExecuteAsync("SCAN", cursor, "COUNT", "1000").ConfigureAwait(false));
                cursor = RespFrame.String(reply.Next());
                var batch = RespFrame.Array(reply.Next());
                while (batch.MoveNext(out var frame))
                {
                    RespFrame.TryBulk(frame, out var key);
                    if (seen.Add(Convert.ToBase64String(key)))
                    {
                        keys.Add(key.ToArray());
                    }
                }
            }
            while (cursor != "0");
        }
        return keys;
    }

    private static async Task<(byte[]? Payload, long Ttl)[]> DumpAsync(Topology topology, List<byte[]> keys)
    {
        var result = new (byte[]? Payload, long Ttl)[keys.Count];
        for (var shard = 0; shard < topology.Shards.Count; shard++)
        {
            var mine = Enumerable.Range(0, keys.Count).Where(i => topology.ShardFor(HashSlot.Of(keys[i])) == shard).ToList();
            if (mine.Count == 0)
            {
                continue;
            }
            await using var connection = await RespConnection.ConnectAsync(topology.Shards[shard].Master).ConfigureAwait(false);
            // absolute expiry where the server has PEXPIRETIME (7.0+): source and target read seconds apart on a busy
            // machine still compare exactly; else PTTL made absolute at the moment of reading
            var absolute = await HasExpireTimeAsync(connection).ConfigureAwait(false);
            var writer = new RespWriter();
            foreach (var i in mine)
            {
                writer.Command(2).Bulk("DUMP"u8).Bulk(keys[i]).Command(2).Bulk(absolute ? "PEXPIRETIME"u8 : "PTTL"u8).Bulk(keys[i]);
            }
            await connection.SendAsync(writer).ConfigureAwait(false);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var i in mine)
            {
                await connection.ReadFrameAsync().ConfigureAwait(false);
                RespConnection.ThrowIfError(connection.Frame);
                var payload = RespFrame.TryBulk(connection.Frame, out var bytes) ? bytes.ToArray() : null;
                await connection.ReadFrameAsync().ConfigureAwait(false);
                var expiry = RespFrame.Integer(connection.Frame);
                result[i] = (payload, absolute || expiry < 0 ? expiry : now + expiry);
            }
        }
        return result;
    }

    private static async Task<bool> HasExpireTimeAsync(RespConnection connection)
    {
        try
        {
            // one entry, nil for a command the server does not have
            var reply = RespFrame.Array(await connection.ExecuteAsync("COMMAND", "INFO", "PEXPIRETIME").ConfigureAwait(false));
            return reply.MoveNext(out var entry) && !RespFrame.IsNull(entry);
        }
        catch (RedisErrorException)
        {
            return false;
        }
    }

    private static async Task<(long Differs, long Compared)> CompareTypedSampleAsync(RedisEndpoint source, RedisEndpoint target, List<byte[]> keys, int perType, List<string> examples)
    {
        await using var left = await ConnectionMultiplexer.ConnectAsync(ToConfiguration(source)).ConfigureAwait(false);
        await using var right = await ConnectionMultiplexer.ConnectAsync(ToConfiguration(target)).ConfigureAwait(false);
        var ldb = left.GetDatabase(source.Database);
        var rdb = right.GetDatabase(target.Database);
        var taken = new Dictionary<RedisType, int>();
        long differs = 0, compared = 0;
        foreach (var key in keys)
        {
            var type = await ldb.KeyTypeAsync(key).ConfigureAwait(false);
            if (type == RedisType.None || taken.GetValueOrDefault(type) >= perType)
            {
                continue;
            }
            taken[type] = taken.GetValueOrDefault(type) + 1;
            compared++;
            var a = await ReadTypedAsync(ldb, key, type).ConfigureAwait(false);
            var b = await ReadTypedAsync(rdb, key, await rdb.KeyTypeAsync(key).ConfigureAwait(false)).ConfigureAwait(false);
            if (a != b)
            {
                differs++;
                if (examples.Count < 5)
                {
                    examples.Add($"{KeyText.Printable(key)}: {a} vs {b}");
                }
            }
        }
        return (differs, compared);
    }

    /// <summary>A canonical text of a key's value by type: unordered collections sorted, streams with groups and pending counts.</summary>
    public static async Task<string> ReadTypedAsync(IDatabase db, RedisKey key, RedisType type)
    {
        switch (type)
        {
            case RedisType.String:
                return "string:" + Convert.ToBase64String((byte[]?)await db.StringGetAsync(key).ConfigureAwait(false) ?? []);
            case RedisType.Hash:
                var fields = await db.HashGetAllAsync(key).ConfigureAwait(false);
                return "hash:" + string.Join(",", fields.Select(f => $"{f.Name}={f.Value}").Order(StringComparer.Ordinal));
            case RedisType.List:
                return "list:" + string.Join(",", await db.ListRangeAsync(key).ConfigureAwait(false));
            case RedisType.Set:
                return "set:" + string.Join(",", (await db.SetMembersAsync(key).ConfigureAwait(false)).Select(m => m.ToString()).Order(StringComparer.Ordinal));
            case RedisType.SortedSet:
                var entries = await db.SortedSetRangeByRankWithScoresAsync(key).ConfigureAwait(false);
                return "zset:" + string.Join(",", entries.Select(e => $"{e.Element}@{e.Score:R}"));
            case RedisType.Stream:
                var stream = await db.StreamRangeAsync(key).ConfigureAwait(false);
                var groups = await db.StreamGroupInfoAsync(key).ConfigureAwait(false);
                return "stream:" + string.Join(",", stream.Select(e => e.Id + "{" + string.Join(",", e.Values.Select(v => $"{v.Name}={v.Value}")) + "}"))
                    + " groups:" + string.Join(",", groups.Select(g => $"{g.Name}/{g.PendingMessageCount}/{g.LastDeliveredId}"));
            default:
                return type.ToString();
        }
    }

    public static ConfigurationOptions ToConfiguration(RedisEndpoint endpoint)
    {
        var options = new ConfigurationOptions { AllowAdmin = true, User = endpoint.User, Password = endpoint.Password, Ssl = endpoint.UseTls, AbortOnConnectFail = true };
        options.EndPoints.Add(endpoint.Host, endpoint.Port);
        if (endpoint.CaCertificatePath is not null)
        {
            options.TrustIssuer(endpoint.CaCertificatePath);
        }
        return options;
    }
}
