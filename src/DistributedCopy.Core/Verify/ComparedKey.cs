namespace DistributedCopy.Core.Verify;

/// <summary>
/// One key being compared a chunk at a time (<see cref="ChunkedComparer"/>): its connections on both sides, its name on each
/// (it may be renamed on the target) and the chunk sizes; a type's comparison (<see cref="DataType.CompareChunkedAsync"/>)
/// sends its reads through it.
/// </summary>
internal sealed class ComparedKey(RespConnection source, RespConnection target, byte[] key, byte[] targetKey, int chunkItems, int chunkBytes)
{
    public byte[] Key { get; } = key;

    public byte[] TargetKey { get; } = targetKey;

    public int ChunkItems { get; } = chunkItems;

    public int ChunkBytes { get; } = chunkBytes;

    /// <summary>One command to the source; parts are byte arrays, strings or numbers. Returns a copy of the reply.</summary>
    public Task<byte[]> SourceAsync(CancellationToken cancellationToken, params object[] parts) => ExecuteAsync(source, cancellationToken, parts);

    /// <summary>One command to the target, as <see cref="SourceAsync"/>.</summary>
    public Task<byte[]> TargetAsync(CancellationToken cancellationToken, params object[] parts) => ExecuteAsync(target, cancellationToken, parts);

    /// <summary>The same index range read on both sides (GETRANGE, LRANGE) gives the same reply bytes, <paramref name="step"/> at a time.</summary>
    public async Task<bool> RangesAsync(long length, int step, string command, CancellationToken cancellationToken)
    {
        for (long start = 0; start < length; start += step)
        {
            var a = await SourceAsync(cancellationToken, command, Key, start, start + step - 1).ConfigureAwait(false);
            var b = await TargetAsync(cancellationToken, command, TargetKey, start, start + step - 1).ConfigureAwait(false);
            if (!a.AsSpan().SequenceEqual(b))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>One command; throws on an error reply.</summary>
    private static async Task<byte[]> ExecuteAsync(RespConnection connection, CancellationToken cancellationToken, object[] parts)
    {
        var writer = new RespWriter(1024);
        writer.Command(parts.Length);
        foreach (var part in parts)
        {
            _ = part switch
            {
                byte[] bytes => writer.Bulk(bytes),
                string text => writer.Bulk(text),
                int number => writer.Bulk(number),
                long number => writer.Bulk(number),
                _ => throw new ArgumentException($"cannot send {part.GetType().Name}", nameof(parts)),
            };
        }
        await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
        await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        RespConnection.ThrowIfError(connection.Frame);
        return connection.Frame.ToArray();
    }
}
