namespace DistributedCopy.Abstractions;

[GenerateSerializer, Alias("dcopy.JobKind")]
public enum JobKind
{
    Copy = 0,
    Verify = 1,

    /// <summary>A live sync: the snapshot, then following the source's writes until a cutover.</summary>
    Sync = 2,
}
