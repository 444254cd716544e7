namespace DistributedCopy.Core;

/// <summary>A transient error went on past the retry budget; the message says how long and what the last error was.</summary>
public sealed class RetriesExhaustedException(int attempts, TimeSpan spent, Exception last)
    : CopyException($"gave up after {attempts} attempts over {spent.TotalSeconds:F0} s: {last.Message}", last);
