namespace DistributedCopy.Core;

/// <summary>A key exists on the target under the fail-on-existing policy.</summary>
public sealed class TargetKeyExistsException(string key) : CopyException($"key {key} already exists on the target (policy fail-on-existing)");
