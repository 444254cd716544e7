namespace DistributedCopy.Abstractions;

/// <summary>Counters a worker adds to the job with each report.</summary>
/// <remarks>No shared instance (such as a static zero): a storage serializer that populates objects would change it for all.</remarks>
[GenerateSerializer, Immutable, Alias("dcopy.Counters")]
public sealed record Counters(
    [property: Id(0)] long Keys = 0,
    [property: Id(1)] long Bytes = 0,
    [property: Id(2)] long Skipped = 0,
    [property: Id(3)] long Vanished = 0,
    [property: Id(4)] long Errors = 0,
    [property: Id(5)] long Typed = 0,
    [property: Id(6)] long Chunked = 0,
    [property: Id(7)] long Excluded = 0,
    [property: Id(8)] long Recopied = 0)
{
    /// <summary>
    /// Of <see cref="Keys"/>, those written by type rather than by RESTORE: <see cref="Typed"/>; of those, the big keys copied
    /// in chunks: <see cref="Chunked"/>. <see cref="Excluded"/>: listed and left out by the filters. <see cref="Recopied"/>:
    /// keys written a second time because a lease ended before its checkpoint covered them (counted once in <see cref="Keys"/>).
    /// </summary>
    public Counters Add(Counters other) =>
        new(Keys + other.Keys, Bytes + other.Bytes, Skipped + other.Skipped, Vanished + other.Vanished, Errors + other.Errors, Typed + other.Typed, Chunked + other.Chunked,
            Excluded + other.Excluded, Recopied + other.Recopied);

    /// <summary>
    /// The keys of <paramref name="again"/> (written beyond a checkpoint, by a lease that ended) taken out of the counts, as
    /// the lease that resumes from the checkpoint counts them again; the keys copied among them counted as re-copied when
    /// the resume <paramref name="rewrites"/> them (it replaces keys), else it finds them on the target and counts them skipped.
    /// </summary>
    public Counters WriteAgain(Counters again, bool rewrites = true) =>
        this with { Keys = Keys - again.Keys, Skipped = Skipped - again.Skipped, Vanished = Vanished - again.Vanished, Recopied = Recopied + (rewrites ? again.Keys : 0) };
}
