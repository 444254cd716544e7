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
}
