namespace DistributedCopy.Testing;

/// <summary>How a target differs from its source, key by key.</summary>
public sealed record CompareResult(long SourceKeys, long TargetKeys, long Missing, long ValueDiffers, long TtlDrift, long TypedDiffers, long TypedCompared, IReadOnlyList<string> Examples)
{
    /// <summary>
    /// Keys on the target that the source did not list. With it known (not -1), totals may differ by keys that expired
    /// between the two listings: every source key is on the target (or gone from both) and no target key is extra.
    /// </summary>
    public long TargetOnly { get; init; } = -1;

    /// <summary>Keys without an expiry that the source's masters hold (DBSIZE less INFO keyspace's expires) but the listing missed.</summary>
    public long Unlisted { get; init; }

    public bool Identical => (TargetOnly < 0 ? SourceKeys == TargetKeys : TargetOnly == 0) && Missing == 0 && ValueDiffers == 0 && TtlDrift == 0 && TypedDiffers == 0 && Unlisted == 0;

    public override string ToString() =>
        $"source={SourceKeys} target={TargetKeys} target-only={TargetOnly} unlisted={Unlisted} missing={Missing} value={ValueDiffers} ttl={TtlDrift} typed={TypedDiffers}/{TypedCompared} e.g. {string.Join("; ", Examples)}";
}
