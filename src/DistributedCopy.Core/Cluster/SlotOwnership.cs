using System.Globalization;

namespace DistributedCopy.Core.Cluster;

/// <summary>
/// Which slots a master serves stably, read from the "myself" line of its own CLUSTER NODES: owned, not being migrated
/// away. A node prints its slots' migrating and importing markers on its own line only, so this is always asked of the
/// master, never of a replica read from; asked of a node that is not a master (a replica, a master since failed over), no
/// slot is stable. A slot listed is complete only if its master still owns it, stably, after the listing.
/// </summary>
internal static class SlotOwnership
{
    public static bool[] StableSlotsOfMyself(string clusterNodes)
    {
        var stable = new bool[HashSlot.Count];
        var myself = clusterNodes.Split('\n').Select(l => l.TrimEnd('\r').Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(f => f.Length >= 8 && f[2].Split(',').Contains("myself"));
        if (myself is null || !myself[2].Split(',').Contains("master"))
        {
            return stable;
        }
        foreach (var token in myself.Skip(8).Where(t => !t.StartsWith('[')))
        {
            var dash = token.IndexOf('-', StringComparison.Ordinal);
            var start = int.Parse(dash < 0 ? token : token[..dash], CultureInfo.InvariantCulture);
            var end = dash < 0 ? start : int.Parse(token[(dash + 1)..], CultureInfo.InvariantCulture);
            stable.AsSpan(start, end - start + 1).Fill(true);
        }
        // "[slot->-node]": migrating away, its keys leave one by one ("[slot-<-node]", importing, is not in the ranges)
        foreach (var token in myself.Skip(8).Where(t => t.StartsWith('[') && t.Contains("->-", StringComparison.Ordinal)))
        {
            stable[int.Parse(token[1..token.IndexOf('-', StringComparison.Ordinal)], CultureInfo.InvariantCulture)] = false;
        }
        return stable;
    }
}
