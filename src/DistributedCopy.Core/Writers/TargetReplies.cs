namespace DistributedCopy.Core.Writers;

/// <summary>
/// What every writer decides from the target's answer the same way: a key the target holds already (BUSYKEY, or a
/// write that did not happen because it exists), and a target out of memory.
/// </summary>
internal static class TargetReplies
{
    /// <summary>
    /// The key exists on the target: skipped under --policy skip-existing, and when this write may have gone through before
    /// (a batch retried, a copy resumed); else the copy stops (fail-on-existing), naming the key.
    /// </summary>
    public static KeyState Existing(CopyOptions options, bool retried, ReadOnlySpan<byte> targetKey) =>
        options.Policy == OverwritePolicy.SkipExisting || retried || options.Resuming ? KeyState.Skipped
        : throw ExistsError(targetKey);

    /// <summary>The same decision where the stop is recorded rather than thrown at once: null means skip.</summary>
    public static TargetKeyExistsException? ExistingFailure(CopyOptions options, bool retried, ReadOnlySpan<byte> targetKey) =>
        options.Policy == OverwritePolicy.SkipExisting || retried || options.Resuming ? null : ExistsError(targetKey);

    public static bool IsKeyExists(string errorText) => errorText.StartsWith("BUSYKEY", StringComparison.Ordinal);

    public static bool IsOutOfMemory(string errorText) => errorText.StartsWith("OOM", StringComparison.Ordinal);

    private static TargetKeyExistsException ExistsError(ReadOnlySpan<byte> targetKey) => new(KeyText.Printable(targetKey));
}
