namespace DistributedCopy.Core.Resilience;

/// <summary>A MOVED or ASK redirect, a slot no master serves, or a slot that moved while listed: re-read the topology and retry.</summary>
internal sealed class TopologyChangedException(string message) : Exception(message);
