using System.Buffers;

namespace DistributedCopy.Core.Rdb;

/// <summary>
/// An RDB file read front to back through one buffer: the offset of every byte, the CRC64 of all bytes read so far, and
/// (while capturing) a copy of the bytes a value spans, which become a RESTORE payload without being decoded.
/// </summary>
internal sealed class RdbStream(Stream inner) : IDisposable
{
    private readonly byte[] _buffer = new byte[1 << 20];
    private int _start;
    private int _end;
    private ArrayBufferWriter<byte>? _capture;

    /// <summary>Offset in the file of the next byte.</summary>
    public long Offset { get; private set; }

    /// <summary>CRC64 of every byte read so far.</summary>
    public ulong Crc { get; private set; }

    /// <summary>False after a <see cref="Seek"/>: <see cref="Crc"/> then covers only what was read since.</summary>
    public bool FromStart { get; private set; } = true;

    /// <summary>Goes on reading at <paramref name="offset"/> (a key boundary a checkpoint recorded).</summary>
    public void Seek(long offset)
    {
        inner.Seek(offset, SeekOrigin.Begin);
        Offset = offset;
        _start = _end = 0;
        FromStart = offset == 0;
    }

    public void StartCapture(ArrayBufferWriter<byte> into) => _capture = into;

    public void StopCapture() => _capture = null;

    public byte ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        Read(one);
        return one[0];
    }

    public void Read(Span<byte> into)
    {
        while (into.Length > 0)
        {
            if (_start == _end)
            {
                Fill();
            }
            var take = Math.Min(into.Length, _end - _start);
            var chunk = _buffer.AsSpan(_start, take);
            chunk.CopyTo(into);
            Consumed(chunk);
            into = into[take..];
        }
    }

    /// <summary>Reads (and checksums, and captures) <paramref name="count"/> bytes without keeping them.</summary>
    public void Skip(long count)
    {
        while (count > 0)
        {
            if (_start == _end)
            {
                Fill();
            }
            var take = (int)Math.Min(count, _end - _start);
            Consumed(_buffer.AsSpan(_start, take));
            count -= take;
        }
    }

    public byte[] ReadBytes(int count)
    {
        var bytes = new byte[count];
        Read(bytes);
        return bytes;
    }

    public void Dispose() => inner.Dispose();

    private void Consumed(ReadOnlySpan<byte> chunk)
    {
        Crc = Crc64.Update(Crc, chunk);
        _capture?.Write(chunk);
        _start += chunk.Length;
        Offset += chunk.Length;
    }

    private void Fill()
    {
        _start = 0;
        _end = inner.Read(_buffer, 0, _buffer.Length);
        if (_end == 0)
        {
            throw new RdbFileException(Offset, "the file ends in the middle of a record (truncated?)");
        }
    }
}
