namespace DistributedCopy.Grains;

/// <summary>A lease as the coordinator's state keeps it: the worker holding the partition and the lease's token.</summary>
[GenerateSerializer, Immutable, Alias("dcopy.HeldLease")]
public sealed record HeldLease([property: Id(0)] int Worker, [property: Id(1)] long Token);
