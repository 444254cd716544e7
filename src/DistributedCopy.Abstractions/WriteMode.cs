namespace DistributedCopy.Abstractions;

/// <summary>How a job writes keys (--mode); the engine's <c>CopyMode</c>.</summary>
[GenerateSerializer, Alias("dcopy.WriteMode")]
public enum WriteMode
{
    /// <summary>RESTORE where the target takes the payload, by type where it refuses it.</summary>
    Auto = 0,

    /// <summary>RESTORE only.</summary>
    Dump = 1,

    /// <summary>By type only.</summary>
    Typed = 2,
}
