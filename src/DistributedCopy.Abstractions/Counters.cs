namespace DistributedCopy.Abstractions;

/// <summary>Counters a worker adds to the job with each report.</summary>
/// <remarks>No shared instance (such as a static zero): a storage serializer that populates objects would change it for all.</remarks>
[GenerateSerializer, Immutable, Alias("dcopy.Counters")]
public sealed record Counters(
    [property: Id(0)] long Keys = 0,
    [property: Id(1)] long Bytes = 0,
    [property: Id(2)] long Skipped = 0,
    [property: Id(3)] long Vanished = 0,
    [property: Id(4)] long Errors = 0)
{
    public Counters Add(Counters other) =>
        new(Keys + other.Keys, Bytes + other.Bytes, Skipped + other.Skipped, Vanished + other.Vanished, Errors + other.Errors);
}
