namespace DistributedCopy.Abstractions;

/// <summary>
/// The adaptive rate (--max-source-latency) as measured: the worst PING round trip to the source over the last half second,
/// and the keys per second the copy is held at because of it (0 while it is not held back).
/// </summary>
[GenerateSerializer, Immutable, Alias("dcopy.SourceGuard")]
public sealed record SourceGuardReading([property: Id(0)] double LatencyMs, [property: Id(1)] int HeldAtKeysPerSecond);
