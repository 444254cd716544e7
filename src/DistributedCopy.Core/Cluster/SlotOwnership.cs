using System.Globalization;

namespace DistributedCopy.Core.Cluster;

/// <summary>
/// Which slots a node serves for itself, read from the "myself" line of its CLUSTER NODES (a replica's: its master's
/// line): owned and not being migrated away. A slot listed on a node is complete only if the node still owns it, stably, after the listing: otherwise some of
/// its keys may already live on another node.
/// </summary>
internal static class SlotOwnership
{
    public static bool[] StableSlotsOfMyself(string clusterNodes)
    {
        var stable = new bool[HashSlot.Count];
        var lines = clusterNodes.Split('\n').Select(l => l.TrimEnd('\r').Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length >= 8).ToList();
        // a replica (read from with --read-from replica) serves its master's slots: the master's line counts
        var myself = lines.FirstOrDefault(f => f[2].Split(',').Contains("myself"));
        var owner = myself is not null && myself[2].Split(',').Any(flag => flag is "slave" or "replica") ? myself[3] : myself?[0];
        foreach (var fields in lines)
        {
            if (fields[0] != owner)
            {
                continue;
            }
            foreach (var token in fields.Skip(8))
            {
                if (token.StartsWith('['))
                {
                    continue;
                }
                var dash = token.IndexOf('-', StringComparison.Ordinal);
                var start = int.Parse(dash < 0 ? token : token[..dash], CultureInfo.InvariantCulture);
                var end = dash < 0 ? start : int.Parse(token[(dash + 1)..], CultureInfo.InvariantCulture);
                stable.AsSpan(start, end - start + 1).Fill(true);
            }
            // "[slot->-node]": migrating away, its keys leave one by one; "[slot-<-node]": importing, not ours yet
            foreach (var token in fields.Skip(8).Where(t => t.StartsWith('[') && t.Contains("->-", StringComparison.Ordinal)))
            {
                stable[int.Parse(token[1..token.IndexOf('-', StringComparison.Ordinal)], CultureInfo.InvariantCulture)] = false;
            }
        }
        return stable;
    }
}
