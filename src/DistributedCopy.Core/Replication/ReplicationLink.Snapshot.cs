using System.Globalization;
using System.Text;

namespace DistributedCopy.Core.Replication;

// ReplicationLink, part 2: the snapshot a master sends when it starts over, in either form.
public sealed partial class ReplicationLink
{
    /// <summary>
    /// Writes the master's snapshot (an RDB file's bytes) to <paramref name="destination"/> and tells the master it is
    /// loaded, so the command stream follows; returns its length. Only after <see cref="StartedOver"/>.
    /// </summary>
    public async Task<long> ReceiveSnapshotAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        if (!StartedOver)
        {
            throw new InvalidOperationException("the master continues its stream: there is no snapshot");
        }
        // a master sends newlines while it prepares the snapshot
        var header = await ReadLineAsync(skipEmpty: true, cancellationToken).ConfigureAwait(false);
        long written;
        if (header.StartsWith("$EOF:", StringComparison.Ordinal) && header.Length == 5 + MarkLength)
        {
            Diskless = true;
            written = await CopyUntilMarkAsync(destination, Encoding.ASCII.GetBytes(header[5..]), cancellationToken).ConfigureAwait(false);
        }
        else if (header.StartsWith('$') && long.TryParse(header.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            written = await CopyAsync(destination, length, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            throw new CopyException($"{Master.Address} sent no snapshot: {header.TrimStart('-', '+')}");
        }
        // acknowledged from now on, while the snapshot is loaded too (a diskless master starts the stream on an ACK), and
        // the stream read as it comes
        StartReading();
        return written;
    }

    private async Task<long> CopyAsync(Stream destination, long length, CancellationToken cancellationToken)
    {
        var left = length;
        while (left > 0)
        {
            if (_start == _end)
            {
                _start = _end = 0;
                _end = await _connection.ReadRawAsync(_buffer, SilenceLimit, cancellationToken).ConfigureAwait(false);
            }
            var take = (int)Math.Min(left, _end - _start);
            await destination.WriteAsync(_buffer.AsMemory(_start, take), cancellationToken).ConfigureAwait(false);
            _start += take;
            left -= take;
        }
        return length;
    }

    /// <summary>The diskless form: bytes up to the 40-byte mark the header named, which ends them (and is not written).</summary>
    private async Task<long> CopyUntilMarkAsync(Stream destination, byte[] mark, CancellationToken cancellationToken)
    {
        // the last bytes read are held back until the next read shows they are not the mark
        var held = new byte[MarkLength];
        var heldLength = 0;
        long written = 0;
        var window = new byte[MarkLength];
        while (true)
        {
            if (_start == _end)
            {
                _start = _end = 0;
                _end = await _connection.ReadRawAsync(_buffer, SilenceLimit, cancellationToken).ConfigureAwait(false);
            }
            var chunk = _buffer.AsMemory(_start, _end - _start);
            _start = _end;
            var total = heldLength + chunk.Length;
            // the last 40 bytes of what was held and what came
            var fromChunk = Math.Min(MarkLength, chunk.Length);
            var fromHeld = Math.Min(MarkLength - fromChunk, heldLength);
            held.AsSpan(heldLength - fromHeld, fromHeld).CopyTo(window);
            chunk.Span[^fromChunk..].CopyTo(window.AsSpan(fromHeld));
            var ends = fromHeld + fromChunk == MarkLength && window.AsSpan().SequenceEqual(mark);
            var keep = ends ? MarkLength : Math.Min(MarkLength, total);
            var write = total - keep;
            var writeHeld = Math.Min(heldLength, write);
            await destination.WriteAsync(held.AsMemory(0, writeHeld), cancellationToken).ConfigureAwait(false);
            await destination.WriteAsync(chunk[..(write - writeHeld)], cancellationToken).ConfigureAwait(false);
            written += write;
            if (ends)
            {
                return written;
            }
            // held from here: what was held and not written, then the chunk's rest
            var rest = held.AsSpan(writeHeld, heldLength - writeHeld).ToArray();
            rest.CopyTo(held);
            chunk.Span[(write - writeHeld)..].CopyTo(held.AsSpan(rest.Length));
            heldLength = keep;
        }
    }
}
