namespace DistributedCopy.Core.Writers;

// ChunkedWriter, part 2: one command at a time to either side, and the chunks sent to the target while the next is read;
// what a type's chunked copy uses of them (IChunkedCopy).
internal sealed partial class ChunkedWriter
{
    byte[] IChunkedCopy.Key => _key;

    byte[] IChunkedCopy.Temp => _temp;

    long IChunkedCopy.ChunkBytes => options.ChunkBytes;

    bool IChunkedCopy.Modern => _target.Topology.RdbVersion >= 10;

    RespWriter IChunkedCopy.Chunk => _chunk;

    ReadOnlySpan<byte> IChunkedCopy.Reply => _from.Frame;

    RespWriter IChunkedCopy.NewRead()
    {
        _command.Clear();
        return _command;
    }

    Task IChunkedCopy.ReadAsync(RespWriter read, CancellationToken cancellationToken) => ReadSourceAsync(read, cancellationToken);

    Task<byte[]> IChunkedCopy.SourceAsync(RespWriter read, CancellationToken cancellationToken) => SourceAsync(read, cancellationToken);

    Task IChunkedCopy.SendAsync(long bytes, bool first, CancellationToken cancellationToken) => SendChunkAsync(bytes, first, _temp, cancellationToken);

    int IChunkedCopy.NextCount(int items, long bytes) => NextCount(items, bytes);

    private RespWriter Command(string name, byte[] key)
    {
        _command.Clear();
        return _command.Command(2).Bulk(name).Bulk(key);
    }

    /// <summary>Sends <see cref="_command"/> to the source; returns a copy of the reply (a small one).</summary>
    private async Task<byte[]> SourceAsync(RespWriter command, CancellationToken cancellationToken)
    {
        await ReadSourceAsync(command, cancellationToken).ConfigureAwait(false);
        return _from.Frame.ToArray();
    }

    /// <summary>Sends a read to the source and leaves its reply in the source connection's frame.</summary>
    private async Task ReadSourceAsync(RespWriter command, CancellationToken cancellationToken)
    {
        await _from.SendAsync(command, cancellationToken).ConfigureAwait(false);
        await _from.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        if (RespFrame.IsError(_from.Frame))
        {
            var text = RespFrame.ErrorText(_from.Frame);
            // replaced by another type midway: a transient error, so the key is started again
            throw text.StartsWith("WRONGTYPE", StringComparison.Ordinal) ? new TopologyChangedException($"key {KeyText.Printable(_key)} changed type on the source while being copied")
                : ServerErrors.Classify(text, "source");
        }
    }

    /// <summary>Sends <see cref="_command"/> to the target after what it still owes; returns a copy of the reply.</summary>
    private async Task<byte[]> TargetAsync(RespWriter command, CancellationToken cancellationToken)
    {
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        options.Fence?.Check();
        await _to.SendAsync(command, cancellationToken).ConfigureAwait(false);
        await _to.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfRefused(_to.Frame);
        return _to.Frame.ToArray();
    }

    /// <summary>Sends the chunk built in <see cref="_chunk"/> once the target has answered the one before.</summary>
    private async Task SendChunkAsync(long bytes, bool first, byte[] temp, CancellationToken cancellationToken)
    {
        if (first)
        {
            _chunk.Command(3).Bulk("PEXPIRE"u8).Bulk(temp).Bulk(TempTtlMs);
        }
        if (_chunk.Commands == 0)
        {
            return;
        }
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        options.Fence?.Check();
        await _to.SendAsync(_chunk, cancellationToken).ConfigureAwait(false);
        _pending = _chunk.Commands;
        _chunk.Clear();
        _bytes += bytes;
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        for (; _pending > 0; _pending--)
        {
            await _to.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            ThrowIfRefused(_to.Frame);
        }
    }

    private void ThrowIfRefused(ReadOnlySpan<byte> frame)
    {
        if (RespFrame.IsError(frame))
        {
            throw Refused(RespFrame.ErrorText(frame));
        }
    }

    private Exception Refused(string text) => TypedWriter.Refusal(_key, _node, text);

    /// <summary>
    /// The next read's count: as many items as make about <see cref="CopyOptions.ChunkBytes"/>, judged by the last read, at
    /// most twice the last count (items may grow further on) and at most 20,000.
    /// </summary>
    private int NextCount(int items, long bytes) =>
        items == 0 ? 128 : (int)Math.Clamp(options.ChunkBytes / Math.Max(1, bytes / items), 16, Math.Max(16, Math.Min(20_000, 2L * items)));
}
