namespace DistributedCopy.Abstractions;

[GenerateSerializer, Immutable, Alias("dcopy.WorkerSeen")]
public sealed record WorkerSeen([property: Id(0)] string Silo, [property: Id(1)] DateTime LastReport, [property: Id(2)] long Keys);
