namespace DistributedCopy.Core;

/// <summary>The target refused a write for lack of memory; nothing of that batch was marked done.</summary>
public sealed class TargetOutOfMemoryException(string node, string serverText, string? memory)
    : CopyException($"the target {node} is out of memory{(memory is null ? "" : $" ({memory})")}: {serverText}; free memory or raise maxmemory on the target (or choose an eviction policy), then resume the job")
{
    public string Node { get; } = node;

    public string ServerText { get; } = serverText;

    /// <summary>used_memory, maxmemory and policy as the target reported them, if it did.</summary>
    public string? Memory { get; } = memory;
}
