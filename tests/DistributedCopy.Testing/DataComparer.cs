using StackExchange.Redis;

namespace DistributedCopy.Testing;

/// <summary>
/// The independent oracle: compares a target with its source through <see cref="OracleDeployment"/> (StackExchange.Redis,
/// nothing of the copier's own code). Every key's DUMP payload, compared by value where the bytes differ (a hash table's
/// order, another server's encoding), and every key's expiry: the target's no later than the source's and no earlier
/// than the tolerance the test names. A sample of each type is compared by value too (<see cref="TypedValue"/>), and the
/// source's listing is checked against its masters' DBSIZE (every key without an expiry must be listed).
/// </summary>
public static class DataComparer
{
    public static async Task<CompareResult> CompareAsync(RedisEndpoint source, RedisEndpoint target, long ttlToleranceMs = 1000, int typedSamplePerType = 50)
    {
        await using var left = await OracleDeployment.OpenAsync(source).ConfigureAwait(false);
        await using var right = await OracleDeployment.OpenAsync(target).ConfigureAwait(false);
        var (_, persistent) = await left.SizeAsync().ConfigureAwait(false);
        var keys = await left.ListKeysAsync().ConfigureAwait(false);
        var exact = await left.HasExpireTimeAsync().ConfigureAwait(false) && await right.HasExpireTimeAsync().ConfigureAwait(false);
        long missing = 0, payload = 0, ttl = 0, listedPersistent = 0;
        var examples = new List<string>();
        var payloadMismatch = new List<byte[]>();
        const int Batch = 1000;
        for (var offset = 0; offset < keys.Count; offset += Batch)
        {
            var chunk = keys.Skip(offset).Take(Batch).ToList();
            var sourceReads = await left.ReadAsync(chunk).ConfigureAwait(false);
            var targetReads = await right.ReadAsync(chunk).ConfigureAwait(false);
            var gone = await ExpiredSinceAsync(left, chunk, sourceReads, targetReads, ttlToleranceMs).ConfigureAwait(false);
            for (var i = 0; i < chunk.Count; i++)
            {
                var (sourcePayload, sourceExpiry) = sourceReads[i];
                var (targetPayload, targetExpiry) = targetReads[i];
                if (sourcePayload is not null && sourceExpiry < 0)
                {
                    listedPersistent++;
                }
                if (sourcePayload is null || gone.Contains(i))
                {
                    continue; // expired meanwhile
                }
                string? problem = null;
                if (targetPayload is null)
                {
                    missing++;
                    problem = "missing";
                }
                else
                {
                    if (!sourcePayload.AsSpan().SequenceEqual(targetPayload))
                    {
                        // hashtable-encoded sets and hashes serialize in iteration order, which a RESTORE may change: compared by value below
                        payloadMismatch.Add(chunk[i]);
                    }
                    // the expiry of every key, whatever its payload's bytes: never later than the source's, never earlier than the tolerance
                    var drift = ExpiryProblem(sourceExpiry, targetExpiry, exact, ttlToleranceMs);
                    if (drift is not null)
                    {
                        ttl++;
                        problem = drift;
                    }
                }
                if (problem is not null && examples.Count < 5)
                {
                    examples.Add($"{Printable(chunk[i])}: {problem}");
                }
            }
        }
        var (typedDiffers, typedCompared) = await CompareTypedSampleAsync(left.Database, right.Database, keys, typedSamplePerType, examples).ConfigureAwait(false);
        (payload, _) = await CompareTypedSampleAsync(left.Database, right.Database, payloadMismatch, int.MaxValue, examples).ConfigureAwait(false);
        var targetKeys = await right.ListKeysAsync().ConfigureAwait(false);
        var listed = keys.Select(Convert.ToBase64String).ToHashSet(StringComparer.Ordinal);
        var targetOnly = targetKeys.Where(k => !listed.Contains(Convert.ToBase64String(k))).ToList();
        examples.AddRange(targetOnly.Take(Math.Max(0, 5 - examples.Count)).Select(k => $"{Printable(k)}: on the target only"));
        var unlisted = Math.Max(0, persistent - listedPersistent);
        if (unlisted > 0)
        {
            examples.Insert(0, $"the source's masters hold {persistent} keys without an expiry (DBSIZE less INFO keyspace expires), the listing found {listedPersistent}");
        }
        return new CompareResult(keys.Count, targetKeys.Count, missing, payload, ttl, typedDiffers, typedCompared, examples) { TargetOnly = targetOnly.Count, Unlisted = unlisted };
    }

    /// <summary>What is wrong with a target key's expiry against its source's (absolute Unix ms, -1 none); null when nothing.</summary>
    public static string? ExpiryProblem(long source, long target, bool exact, long toleranceMs)
    {
        if ((source < 0) != (target < 0))
        {
            return source < 0 ? $"expiry {target} on the target, none on the source" : $"no expiry on the target, {source} on the source";
        }
        if (source < 0)
        {
            return null;
        }
        // read by PEXPIRETIME on both sides the expiries are exact: a target key may not outlive its source's by a millisecond
        if (exact ? target > source : target - source > toleranceMs)
        {
            return $"expires {target - source} ms after the source's ({source} vs {target})";
        }
        return source - target > toleranceMs ? $"expires {source - target} ms before the source's, more than the {toleranceMs} ms allowed" : null;
    }

    /// <summary>
    /// The keys the target lacks that expired (or are within the tolerance of expiring) on the source since it was read:
    /// the source is read first, so a key expiring between the two reads is gone from the target only by the clock.
    /// </summary>
    private static async Task<HashSet<int>> ExpiredSinceAsync(OracleDeployment source, List<byte[]> chunk, (byte[]? Payload, long Expiry)[] left, (byte[]? Payload, long Expiry)[] right, long toleranceMs)
    {
        var candidates = Enumerable.Range(0, chunk.Count).Where(i => left[i].Payload is not null && left[i].Expiry >= 0 && right[i].Payload is null).ToList();
        var gone = new HashSet<int>();
        if (candidates.Count == 0)
        {
            return gone;
        }
        var again = await source.ReadAsync(candidates.Select(i => chunk[i]).ToList()).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var n = 0; n < candidates.Count; n++)
        {
            if (again[n].Payload is null || (again[n].Expiry >= 0 && again[n].Expiry <= now + toleranceMs))
            {
                gone.Add(candidates[n]);
            }
        }
        return gone;
    }

    /// <summary>Every key of the endpoint's database, listed by the oracle (SCAN on each master).</summary>
    public static async Task<List<byte[]>> AllKeysAsync(RedisEndpoint endpoint)
    {
        await using var deployment = await OracleDeployment.OpenAsync(endpoint).ConfigureAwait(false);
        return await deployment.ListKeysAsync().ConfigureAwait(false);
    }

    /// <summary>A key for a message: as text where printable, else hex.</summary>
    public static string Printable(byte[] key) => key.All(b => b is >= 0x20 and < 0x7F) ? System.Text.Encoding.ASCII.GetString(key) : "0x" + Convert.ToHexString(key);

    private static async Task<(long Differs, long Compared)> CompareTypedSampleAsync(IDatabase ldb, IDatabase rdb, List<byte[]> keys, int perType, List<string> examples)
    {
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
            var a = await TypedValue.ReadAsync(ldb, key, type).ConfigureAwait(false);
            var b = await TypedValue.ReadAsync(rdb, key, await rdb.KeyTypeAsync(key).ConfigureAwait(false)).ConfigureAwait(false);
            if (!TypedValue.Same(a, b))
            {
                differs++;
                if (examples.Count < 5)
                {
                    examples.Add($"{Printable(key)}: {a} vs {b}");
                }
            }
        }
        return (differs, compared);
    }

    /// <summary>A canonical text of a key's value by type (<see cref="TypedValue"/>).</summary>
    public static Task<string> ReadTypedAsync(IDatabase db, RedisKey key, RedisType type) => TypedValue.ReadAsync(db, key, type);

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
