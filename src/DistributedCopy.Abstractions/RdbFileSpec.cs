namespace DistributedCopy.Abstractions;

/// <summary>An RDB file a job loads: its path (the same on every silo), what identifies it for a resume, and what it holds.</summary>
[GenerateSerializer, Immutable, Alias("dcopy.RdbFileSpec")]
public sealed record RdbFileSpec(
    [property: Id(0)] string Path,
    [property: Id(1)] string Fingerprint,
    [property: Id(2)] int Version,
    [property: Id(3)] long Keys)
{
    /// <summary>The keys of each database the job loads from the file (empty in jobs from before several databases loaded at once).</summary>
    [Id(4)] public Dictionary<int, long> KeysByDatabase { get; init; } = [];

    public long KeysIn(int database) => KeysByDatabase.Count > 0 ? KeysByDatabase.GetValueOrDefault(database) : Keys;
}
