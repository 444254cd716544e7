namespace DistributedCopy.Core.Writers;

// ChunkedWriter, part 3: strings, lists, hashes, sets and sorted sets, a chunk at a time. Each returns whether it wrote anything.
internal sealed partial class ChunkedWriter
{
    private async Task<bool> StringAsync(byte[] temp, CancellationToken cancellationToken)
    {
        for (long offset = 0; ;)
        {
            _command.Clear();
            _command.Command(4).Bulk("GETRANGE"u8).Bulk(_key).Bulk(offset).Bulk(offset + options.ChunkBytes - 1);
            await ReadSourceAsync(_command, cancellationToken).ConfigureAwait(false);
            RespFrame.TryBulk(_from.Frame, out var value);
            if (value.IsEmpty)
            {
                return offset > 0;
            }
            _chunk.Command(3).Bulk("APPEND"u8).Bulk(temp).Bulk(value);
            var length = value.Length;
            await SendChunkAsync(length, offset == 0, temp, cancellationToken).ConfigureAwait(false);
            offset += length;
            if (length < options.ChunkBytes)
            {
                return true;
            }
        }
    }

    /// <summary>LRANGE by index, in order, RPUSHed in order.</summary>
    private async Task<bool> ListAsync(byte[] temp, CancellationToken cancellationToken)
    {
        long start = 0;
        for (var count = 128; ; )
        {
            _command.Clear();
            _command.Command(4).Bulk("LRANGE"u8).Bulk(_key).Bulk(start).Bulk(start + count - 1);
            await ReadSourceAsync(_command, cancellationToken).ConfigureAwait(false);
            var (items, bytes) = Items(_from.Frame, "RPUSH"u8, temp, pairs: false, swap: false);
            if (items == 0)
            {
                return start > 0;
            }
            await SendChunkAsync(bytes, start == 0, temp, cancellationToken).ConfigureAwait(false);
            start += items;
            if (items < count)
            {
                return true;
            }
            count = NextCount(items, bytes);
        }
    }

    /// <summary>HSCAN, SSCAN or ZSCAN to the end of the cursor (an item seen twice is written twice, to the same effect).</summary>
    private async Task<bool> ScanAsync(string scan, byte[] write, byte[] temp, bool pairs, CancellationToken cancellationToken)
    {
        var cursor = "0"u8.ToArray();
        var first = true;
        var count = 128;
        do
        {
            _command.Clear();
            _command.Command(5).Bulk(scan).Bulk(_key).Bulk(cursor).Bulk("COUNT"u8).Bulk(count);
            await ReadSourceAsync(_command, cancellationToken).ConfigureAwait(false);
            var reply = RespFrame.Array(_from.Frame);
            RespFrame.TryBulk(reply.Next(), out var next);
            cursor = next.ToArray();
            // ZSCAN gives member, score; ZADD takes score, member (the score as the server printed it: exact, inf included)
            var (items, bytes) = Items(reply.Next(), write, temp, pairs, swap: scan == "ZSCAN");
            if (items > 0)
            {
                await SendChunkAsync(bytes, first, temp, cancellationToken).ConfigureAwait(false);
                first = false;
                count = NextCount(items, bytes);
            }
        }
        while (cursor is not [(byte)'0']);
        return !first;
    }

    /// <summary>Writes one command of the array's items to the temporary key; returns the items (pairs count once) and their bytes.</summary>
    private (int Items, long Bytes) Items(ReadOnlySpan<byte> array, ReadOnlySpan<byte> command, byte[] temp, bool pairs, bool swap)
    {
        var items = RespFrame.Array(array);
        if (items.Count == 0)
        {
            return (0, 0);
        }
        _chunk.Command(2 + items.Count).Bulk(command).Bulk(temp);
        long bytes = 0;
        while (items.MoveNext(out var item))
        {
            RespFrame.TryBulk(item, out var value);
            bytes += value.Length;
            if (swap && items.MoveNext(out var score))
            {
                RespFrame.TryBulk(score, out var scoreText);
                _chunk.Bulk(scoreText).Bulk(value);
                bytes += scoreText.Length;
            }
            else
            {
                _chunk.Bulk(value);
            }
        }
        return (pairs ? items.Count / 2 : items.Count, bytes);
    }
}
