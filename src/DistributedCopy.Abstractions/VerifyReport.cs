namespace DistributedCopy.Abstractions;

/// <summary>What verify found, per category, with example keys.</summary>
[GenerateSerializer, Immutable, Alias("dcopy.VerifyReport")]
public sealed record VerifyReport(
    [property: Id(0)] long Compared = 0,
    [property: Id(1)] long Missing = 0,
    [property: Id(2)] long TypeMismatch = 0,
    [property: Id(3)] long ValueMismatch = 0,
    [property: Id(4)] long TtlDrift = 0,
    [property: Id(5)] IReadOnlyList<string>? Examples = null)
{
    /// <summary>Keys on the target that the source does not have; not counted as differences (a target may hold keys of its own).</summary>
    [Id(6)] public long Extra { get; init; }

    /// <summary>On both sides but different after a copy under skip-existing: the target's value, left in place on purpose; not differences.</summary>
    [Id(7)] public long Kept { get; init; }

    /// <summary>Target masters that evicted keys since the job began (a verify job: since they started), one line each.</summary>
    [Id(8)] public IReadOnlyList<string> Evictions { get; init; } = [];

    public long Differences => Missing + TypeMismatch + ValueMismatch + TtlDrift;

    public VerifyReport Add(VerifyReport other, int maxExamples) => new(
        Compared + other.Compared, Missing + other.Missing, TypeMismatch + other.TypeMismatch, ValueMismatch + other.ValueMismatch,
        TtlDrift + other.TtlDrift, (Examples ?? []).Concat(other.Examples ?? []).Take(maxExamples * 6).ToList())
    {
        Extra = Extra + other.Extra,
        Kept = Kept + other.Kept,
        Evictions = Evictions,
    };
}
