namespace DistributedCopy.Cli;

/// <summary>What `dcopy plan` says of --match/--exclude/--rename/--db-map, from a SCAN sample of the source.</summary>
public static class SelectionPlan
{
    public sealed record Report(int Sampled, int Selected, long EstimatedKeys, int Renamed, int TagChanged, IReadOnlyList<(string From, string To, int FromSlot, int ToSlot)> Examples, IReadOnlyList<string> Lines);

    public static async Task<Report?> DescribeAsync(KeySelection selection, SideInfo source, CancellationToken cancellationToken)
    {
        if (selection.IsAll)
        {
            return null;
        }
        var sample = await KeySample.TakeAsync(source, 1000, cancellationToken);
        var keys = sample.SelectMany(s => s.Keys).ToList();
        var selected = keys.Where(k => selection.Selects(k)).ToList();
        if (selection.Types.Count > 0)
        {
            selected = await OfTypesAsync(sample, selected.ToHashSet(), selection.Types, cancellationToken);
        }
        var renamed = selected.Select(k => (From: k, To: selection.Rename(k))).Where(r => r.To is not null).Select(r => (r.From, To: r.To!)).ToList();
        var tagChanged = renamed.Count(r => !HashSlot.Hashed(r.From).SequenceEqual(HashSlot.Hashed(r.To)));
        var estimate = keys.Count == 0 ? 0 : (long)Math.Round((double)source.Keys * selected.Count / keys.Count);
        var lines = new List<string>();
        if (selection.Filters || selection.Types.Count > 0)
        {
            lines.Add($"select  {selected.Count:N0} of {keys.Count:N0} sampled keys selected ({(keys.Count == 0 ? 0 : 100.0 * selected.Count / keys.Count):F1}%): about {estimate:N0} of {source.Keys:N0} keys copied, the rest excluded before they are read");
        }
        var examples = renamed.Take(3).Select(r => (KeyText.Printable(r.From), KeyText.Printable(r.To), HashSlot.Of(r.From), HashSlot.Of(r.To))).ToList();
        if (selection.Renames.Count > 0)
        {
            lines.Add($"rename  {renamed.Count:N0} of {selected.Count:N0} sampled keys renamed by {selection.Renames.Count} rule(s); no two sampled keys get one name"
                + (tagChanged > 0 ? $"; {tagChanged:N0} hash to another slot under their new name (keys that shared a slot, by a hash tag or otherwise, may not any more)" : ""));
            lines.AddRange(examples.Select(e => $"          {e.Item1} → {e.Item2} (slot {e.Item3} → {e.Item4})"));
        }
        if (selection.Preset == AspNetSessionV5.Name)
        {
            lines.AddRange(await SessionsAsync(sample, keys.Count, source.Keys, cancellationToken));
        }
        if (selection.DatabaseMap.Count > 0)
        {
            lines.Add($"db-map  {string.Join(", ", selection.DatabaseMap.OrderBy(m => m.Key).Select(m => m.Key == KeySelection.EveryDatabase ? $"every other database → {m.Value}" : $"database {m.Key} → {m.Value}"))}; a key in two of them follows --policy");
        }
        return new Report(keys.Count, selected.Count, estimate, renamed.Count, tagChanged, examples, lines);
    }

    /// <summary>The preset's lines: sessions found in the sample, and one of them converted and read back.</summary>
    private static async Task<List<string>> SessionsAsync(List<(RedisEndpoint Node, List<byte[]> Keys)> sample, int sampled, long total, CancellationToken cancellationToken)
    {
        var sessions = sample.SelectMany(s => s.Keys).Count(k => AspNetSessionV5.Of(k) == AspNetSessionV5.Role.Data);
        var lines = new List<string>
        {
            $"preset  {AspNetSessionV5.Name}: {sessions:N0} sessions in {sampled:N0} sampled keys (about {(sampled == 0 ? 0 : total * sessions / sampled):N0} in all); "
            + "_Data and _Internal hashes become 5.0's _SessionStateItemCollection and _SessionTimeout strings, expiry kept; _Write_Lock keys are not carried over",
        };
        var (node, key) = sample.SelectMany(s => s.Keys.Select(k => (s.Node, Key: k))).FirstOrDefault(s => AspNetSessionV5.Of(s.Key) == AspNetSessionV5.Role.Data);
        if (key is null)
        {
            return lines;
        }
        await using var connection = await RespConnection.ConnectAsync(node, cancellationToken);
        await connection.SendAsync(new RespWriter(256).Command(2).Bulk("HGETALL"u8).Bulk(key), cancellationToken);
        await connection.ReadFrameAsync(cancellationToken);
        var fields = AspNetSessionV5.Fields(connection.Frame);
        var blob = AspNetSessionV5.Convert(fields);
        var renamed = AspNetSessionV5.Apply(KeySelection.All).Rename(key) ?? key;
        lines.Add(blob is null
            ? $"sample  {KeyText.Printable(key)}: its items were not written by the provider's BinaryFormatter serializer: such sessions are skipped"
            : $"sample  {KeyText.Printable(key)} → {KeyText.Printable(renamed)}: {fields.Count} items, {blob.Length:N0} bytes: {string.Join("; ", AspNetSessionV5.Describe(blob))}");
        return lines;
    }

    /// <summary>Of <paramref name="keys"/>, those of the types taken (one pipelined TYPE round per sampled node).</summary>
    private static async Task<List<byte[]>> OfTypesAsync(List<(RedisEndpoint Node, List<byte[]> Keys)> sample, HashSet<byte[]> keys, IReadOnlyList<string> types, CancellationToken cancellationToken)
    {
        var taken = new List<byte[]>();
        foreach (var (node, all) in sample)
        {
            var asked = all.Where(keys.Contains).ToList();
            await using var connection = await RespConnection.ConnectAsync(node, cancellationToken);
            var writer = new RespWriter(64 * 1024);
            foreach (var key in asked)
            {
                writer.Command(2).Bulk("TYPE"u8).Bulk(key);
            }
            await connection.SendAsync(writer, cancellationToken);
            foreach (var key in asked)
            {
                await connection.ReadFrameAsync(cancellationToken);
                if (!RespFrame.IsError(connection.Frame) && types.Contains(RespFrame.String(connection.Frame)))
                {
                    taken.Add(key);
                }
            }
        }
        return taken;
    }
}
