namespace DistributedCopy.Core;

/// <summary>What to do with a key that already exists on the target.</summary>
public enum OverwritePolicy
{
    /// <summary>RESTORE ... REPLACE: the source's value wins.</summary>
    Replace,

    /// <summary>Leave the target's key as it is and count it as skipped.</summary>
    SkipExisting,

    /// <summary>Stop the copy with an error at the first key that exists.</summary>
    FailOnExisting,
}
