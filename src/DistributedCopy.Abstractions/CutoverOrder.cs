namespace DistributedCopy.Abstractions;

/// <summary>An operator's `dcopy cutover`: pause the source's writes or not, for how long after, and how long to wait.</summary>
[GenerateSerializer, Immutable, Alias("dcopy.CutoverOrder")]
public sealed record CutoverOrder(
    [property: Id(0)] bool PauseWrites,
    [property: Id(1)] double HoldSeconds,
    [property: Id(2)] double TimeoutSeconds)
{
    /// <summary>Set by the coordinator: the source's writes are paused (every master accepted CLIENT PAUSE).</summary>
    [Id(3)] public bool Paused { get; init; }

    /// <summary>Set by the coordinator: when the cutover began.</summary>
    [Id(4)] public DateTime StartedAt { get; init; }

    /// <summary>What was done and found before the partitions drained (the pause, or why it was refused).</summary>
    [Id(5)] public IReadOnlyList<string> Checks { get; init; } = [];

    /// <summary>The checks only (`dcopy cutover --dry-run`): nothing is paused or ended.</summary>
    [Id(6)] public bool DryRun { get; init; }

    /// <summary>Set by the coordinator: which cutover of the job this is (1, 2, …), so a report is matched to its order.</summary>
    [Id(7)] public int Attempt { get; init; }
}
