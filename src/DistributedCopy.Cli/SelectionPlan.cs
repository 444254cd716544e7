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
        var keys = (await KeySample.TakeAsync(source, 1000, cancellationToken)).SelectMany(s => s.Keys).ToList();
        var selected = keys.Where(k => selection.Selects(k)).ToList();
        var renamed = selected.Select(k => (From: k, To: selection.Rename(k))).Where(r => r.To is not null).Select(r => (r.From, To: r.To!)).ToList();
        var tagChanged = renamed.Count(r => !HashSlot.Hashed(r.From).SequenceEqual(HashSlot.Hashed(r.To)));
        var estimate = keys.Count == 0 ? 0 : (long)Math.Round((double)source.Keys * selected.Count / keys.Count);
        var lines = new List<string>();
        if (selection.Filters)
        {
            lines.Add($"select  {selected.Count:N0} of {keys.Count:N0} sampled keys selected ({(keys.Count == 0 ? 0 : 100.0 * selected.Count / keys.Count):F1}%): about {estimate:N0} of {source.Keys:N0} keys copied, the rest excluded before they are read");
        }
        var examples = renamed.Take(3).Select(r => (KeyText.Printable(r.From), KeyText.Printable(r.To), HashSlot.Of(r.From), HashSlot.Of(r.To))).ToList();
        if (selection.Renames.Count > 0)
        {
            lines.Add($"rename  {renamed.Count:N0} of {selected.Count:N0} sampled keys renamed by {selection.Renames.Count} rule(s); no two sampled keys get one name"
                + (tagChanged > 0 ? $"; {tagChanged:N0} change their hash tag (slot from the new name: keys that shared a slot may not any more)" : ""));
            lines.AddRange(examples.Select(e => $"          {e.Item1} → {e.Item2} (slot {e.Item3} → {e.Item4})"));
        }
        if (selection.DatabaseMap.Count > 0)
        {
            lines.Add($"db-map  {string.Join(", ", selection.DatabaseMap.OrderBy(m => m.Key).Select(m => $"database {m.Key} → {m.Value}"))}; a key in two of them follows --policy");
        }
        return new Report(keys.Count, selected.Count, estimate, renamed.Count, tagChanged, examples, lines);
    }
}
