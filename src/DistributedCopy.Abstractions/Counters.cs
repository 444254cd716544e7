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
    [property: Id(7)] long Excluded = 0)
{
    /// <summary>Of <see cref="Keys"/>, those written by type rather than by RESTORE: <see cref="Typed"/>; of those, the big keys copied in chunks: <see cref="Chunked"/>. <see cref="Excluded"/>: listed and left out by the filters.</summary>
    public Counters Add(Counters other) =>
        new(Keys + other.Keys, Bytes + other.Bytes, Skipped + other.Skipped, Vanished + other.Vanished, Errors + other.Errors, Typed + other.Typed, Chunked + other.Chunked, Excluded + other.Excluded);
}
