namespace DistributedCopy.Abstractions;

/// <summary>What the coordinator tells a worker after a report.</summary>
[GenerateSerializer, Alias("dcopy.Directive")]
public enum Directive
{
    Continue = 0,
    /// <summary>The lease is gone (expired and given to another worker): drop the partition.</summary>
    LeaseLost = 1,
    /// <summary>The job is paused, cancelled or finished: stop.</summary>
    Stop = 2,

    /// <summary>A live sync is cut over: drain the partition's changes, check its counts, report, and end it.</summary>
    Cutover = 3,
}
