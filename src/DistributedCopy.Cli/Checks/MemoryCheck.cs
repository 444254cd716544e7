namespace DistributedCopy.Cli;

/// <summary>
/// The target's memory against what a job will write, before anything is written: a target that evicts (maxmemory with a
/// policy other than noeviction) is refused unless --allow-eviction, an estimate above a master's free memory unless
/// --allow-over-memory. During the job any eviction pauses it (the coordinator watches evicted_keys).
/// </summary>
public static class MemoryCheck
{
    public static async Task<IReadOnlyList<NodeMemory>> ReadAsync(SideInfo target, CancellationToken cancellationToken) =>
        await TargetMemory.ReadAsync(target.Topology.IsCluster ? [.. target.Topology.Shards.Select(s => s.Master)] : [target.Endpoint], cancellationToken);

    /// <summary>One line per target master: its memory, and its share of <paramref name="estimate"/> (0: not estimated).</summary>
    public static IEnumerable<string> Lines(IReadOnlyList<NodeMemory> nodes, long estimate) => nodes.Select(n =>
    {
        var share = estimate / Math.Max(1, nodes.Count);
        var verdict = n.Evicts ? $"evicts when full: refused unless --allow-eviction"
            : estimate > 0 && share > n.Free ? $"about {share / 1e6:F1} MB to write here, more than the {n.Free / 1e6:F1} MB free: refused unless --allow-over-memory"
            : estimate > 0 ? $"about {share / 1e6:F1} MB to write here: ok" : "ok";
        return $"{n.Node.Address}: {n.Describe()}; {verdict}";
    });

    /// <summary>Refuses (exit 2, one line, nothing written) what the options do not allow.</summary>
    public static void Check(IReadOnlyList<NodeMemory> nodes, long estimate, bool allowEviction, bool allowOverMemory)
    {
        if (!allowEviction && nodes.FirstOrDefault(n => n.Evicts) is { } evicting)
        {
            throw new CliException(ExitCodes.BadInput,
                $"the target {evicting.Node.Address} evicts keys when full ({evicting.Describe()}): a copy could lose keys while every write succeeds; set maxmemory-policy noeviction on the target for the migration (managed caches: the service's memory policy setting), or pass --allow-eviction (the job then pauses at the first eviction)");
        }
        var share = estimate / Math.Max(1, nodes.Count);
        if (!allowOverMemory && estimate > 0 && nodes.FirstOrDefault(n => share > n.Free) is { } full)
        {
            throw new CliException(ExitCodes.BadInput,
                $"the target {full.Node.Address} has {full.Free / 1e6:F1} MB free ({full.Describe()}) and about {share / 1e6:F1} MB would be written there (MEMORY USAGE of a sample of the source): raise maxmemory or choose a larger target, or pass --allow-over-memory");
        }
    }

    /// <summary>Copy and sync: a target that takes writes, the source's size estimated from a sample, then <see cref="Check"/>.</summary>
    public static async Task EnforceAsync(System.CommandLine.ParseResult parse, CopyOptionsSet options, SideInfo source, SideInfo target, CancellationToken cancellationToken)
    {
        await Preflight.CheckWritableAsync(target, cancellationToken);
        var nodes = await ReadAsync(target, cancellationToken);
        // the source is sampled only where a limit could refuse it: no maxmemory anywhere means no estimate to weigh
        var (_, bytesPerKey, _) = nodes.Any(n => n.MaxMemory > 0) ? await PlanCommand.SampleBytesPerKeyAsync(source, 0, cancellationToken) : (0, 0.0, 0);
        Check(nodes, (long)(bytesPerKey * source.Keys), parse.GetValue(options.AllowEviction), parse.GetValue(options.AllowOverMemory));
    }
}
