namespace DistributedCopy.Abstractions;

[GenerateSerializer, Alias("dcopy.JobKind")]
public enum JobKind
{
    Copy = 0,
    Verify = 1,
}
