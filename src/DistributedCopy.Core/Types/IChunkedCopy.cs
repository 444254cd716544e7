namespace DistributedCopy.Core.Types;

/// <summary>
/// What a type's chunked copy (<see cref="DataType.CopyChunkedAsync"/>) asks of the <see cref="ChunkedWriter"/>: reads of the
/// source key one at a time, and chunks of commands for the temporary key on the target, each sent while the next is read.
/// </summary>
internal interface IChunkedCopy
{
    /// <summary>The key on the source.</summary>
    byte[] Key { get; }

    /// <summary>The temporary key on the target that the chunks write.</summary>
    byte[] Temp { get; }

    /// <summary>About how many bytes one chunk carries.</summary>
    long ChunkBytes { get; }

    /// <summary>The target is Redis 7 or later (a stream's counters and a group's entries-read are written).</summary>
    bool Modern { get; }

    /// <summary>The commands of the chunk being built, for the temporary key.</summary>
    RespWriter Chunk { get; }

    /// <summary>The reply to the last <see cref="ReadAsync"/>.</summary>
    ReadOnlySpan<byte> Reply { get; }

    /// <summary>An empty command buffer for the next read of the source.</summary>
    RespWriter NewRead();

    /// <summary>Sends a read to the source and leaves its reply in <see cref="Reply"/> (an error reply throws).</summary>
    Task ReadAsync(RespWriter read, CancellationToken cancellationToken);

    /// <summary>Sends a read to the source; returns a copy of its reply (a small one).</summary>
    Task<byte[]> SourceAsync(RespWriter read, CancellationToken cancellationToken);

    /// <summary>Sends the chunk once the target has answered the one before; <paramref name="first"/> also gives the temporary key its TTL.</summary>
    Task SendAsync(long bytes, bool first, CancellationToken cancellationToken);

    /// <summary>The next read's count of items, judged by the last read's items and bytes.</summary>
    int NextCount(int items, long bytes);
}
