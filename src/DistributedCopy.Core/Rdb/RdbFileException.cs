namespace DistributedCopy.Core.Rdb;

/// <summary>An RDB file that cannot be read as one: what is wrong, and the byte offset where it was found.</summary>
public sealed class RdbFileException(long offset, string message) : CopyException($"RDB file, at byte {offset:N0}: {message}")
{
    public long Offset { get; } = offset;
}
