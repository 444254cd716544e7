namespace DistributedCopy.Cli;

/// <summary>What a job takes from the command line besides its source, checked (<see cref="CopyOptionsSet.CheckSettings"/>).</summary>
public sealed record JobSettings(string JobId, RedisEndpoint Target, string? TargetRef, TimeSpan Timeout, double RetryBudget, long BigKeyBytes);
