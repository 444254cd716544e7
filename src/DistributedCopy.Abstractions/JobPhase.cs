namespace DistributedCopy.Abstractions;

[GenerateSerializer, Alias("dcopy.JobPhase")]
public enum JobPhase
{
    New = 0,
    Planning = 1,
    Copying = 2,
    Verifying = 3,
    Paused = 4,
    Cancelled = 5,
    Completed = 6,
    Failed = 7,

    /// <summary>A live sync copying its snapshot or following the source.</summary>
    Syncing = 8,

    /// <summary>A live sync draining its last changes before it ends (writes paused where asked).</summary>
    CuttingOver = 9,
}
