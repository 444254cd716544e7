namespace DistributedCopy.Core;

/// <summary>A copy stopped for a reason the operator must act on; the message says what and where, never a password.</summary>
public class CopyException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A payload's RDB version is newer than the target restores.</summary>
public sealed class RdbVersionException(int payloadVersion, int targetVersion, string targetRedisVersion)
    : CopyException($"the source's DUMP payloads are RDB version {payloadVersion}, newer than the target (Redis {targetRedisVersion}) restores (RDB version {targetVersion} or older); copy to a target of Redis {RdbVersions.MinimumRedisFor(payloadVersion)} or newer")
{
    public int PayloadVersion { get; } = payloadVersion;

    public int TargetVersion { get; } = targetVersion;
}

/// <summary>The target refused a write for lack of memory; nothing of that batch was marked done.</summary>
public sealed class TargetOutOfMemoryException(string node, string serverText, string? memory)
    : CopyException($"the target {node} is out of memory{(memory is null ? "" : $" ({memory})")}: {serverText}; free memory or raise maxmemory on the target (or choose an eviction policy), then resume the job")
{
    public string Node { get; } = node;

    public string ServerText { get; } = serverText;

    /// <summary>used_memory, maxmemory and policy as the target reported them, if it did.</summary>
    public string? Memory { get; } = memory;
}

/// <summary>A key exists on the target under the fail-on-existing policy.</summary>
public sealed class TargetKeyExistsException(string key) : CopyException($"key {key} already exists on the target (policy fail-on-existing)");

/// <summary>A transient error went on past the retry budget; the message says how long and what the last error was.</summary>
public sealed class RetriesExhaustedException(int attempts, TimeSpan spent, Exception last)
    : CopyException($"gave up after {attempts} attempts over {spent.TotalSeconds:F0} s: {last.Message}", last);
