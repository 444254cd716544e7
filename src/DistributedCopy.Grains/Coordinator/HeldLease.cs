namespace DistributedCopy.Grains;

/// <summary>
/// A lease as the coordinator's state keeps it: the worker holding the partition, the lease's token, the silo of the
/// coordinator that granted or last renewed it (an embedded job's earlier process), and whether it was revoked (by a
/// phase change) while its worker may still be writing.
/// </summary>
[GenerateSerializer, Immutable, Alias("dcopy.HeldLease")]
public sealed record HeldLease([property: Id(0)] int Worker, [property: Id(1)] long Token)
{
    [Id(2)] public string? Coordinator { get; init; }

    [Id(3)] public bool Revoked { get; init; }
}
