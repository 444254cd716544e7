namespace DistributedCopy.Abstractions;

[GenerateSerializer, Alias("dcopy.Policy")]
public enum Policy
{
    Replace = 0,
    SkipExisting = 1,
    FailOnExisting = 2,
}
