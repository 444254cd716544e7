namespace DistributedCopy.Cli;

/// <summary>What `dcopy cutover` asks of a running sync: pause the source's writes (and for how long to keep them paused after), and how long to wait.</summary>
public sealed record CutoverRequest(bool PauseWrites, double HoldSeconds, double TimeoutSeconds);
