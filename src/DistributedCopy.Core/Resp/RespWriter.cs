using System.Buffers.Text;
using System.Text;

namespace DistributedCopy.Core.Resp;

/// <summary>Appends RESP commands to one growable buffer, so a whole pipelined batch goes out in one write with no per-command allocation.</summary>
public sealed class RespWriter
{
    private readonly byte[] _initial;
    private byte[] _buffer;
    private int _length;

    public RespWriter(int initialCapacity = 64 * 1024)
    {
        _initial = new byte[initialCapacity];
        _buffer = _initial;
    }

    public int Length => _length;

    /// <summary>Commands written since the last <see cref="Clear"/>.</summary>
    public int Commands { get; private set; }

    /// <summary>What was written, when no value was added by reference (<see cref="BulkReference"/>).</summary>
    public ReadOnlyMemory<byte> Written => _references.Count == 0 ? _buffer.AsMemory(0, _length)
        : throw new InvalidOperationException("this writer holds values by reference: send it with WriteToAsync");

    /// <summary>Big values added by reference: where in the buffer each goes, and the value itself.</summary>
    private readonly List<(int At, ReadOnlyMemory<byte> Value)> _references = [];

    /// <summary>Values this long or longer are sent from where they are instead of being copied into the buffer.</summary>
    public const int ReferenceThreshold = 64 * 1024;

    /// <summary>
    /// A bulk string; a big one is not copied but sent from <paramref name="value"/>'s memory, which must stay unchanged
    /// until the writer is sent (a big DUMP payload then exists once in memory, not twice).
    /// </summary>
    public RespWriter BulkReference(ReadOnlyMemory<byte> value)
    {
        if (value.Length < ReferenceThreshold)
        {
            return Bulk(value.Span);
        }
        WritePrefixed((byte)'$', value.Length);
        _references.Add((_length, value));
        Ensure(2);
        _buffer[_length++] = (byte)'\r';
        _buffer[_length++] = (byte)'\n';
        return this;
    }

    /// <summary>Writes everything to <paramref name="stream"/>: the buffer, with values added by reference in their places.</summary>
    public async ValueTask WriteToAsync(Stream stream, CancellationToken cancellationToken)
    {
        var at = 0;
        foreach (var (position, value) in _references)
        {
            await stream.WriteAsync(_buffer.AsMemory(at, position - at), cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(value, cancellationToken).ConfigureAwait(false);
            at = position;
        }
        await stream.WriteAsync(_buffer.AsMemory(at, _length - at), cancellationToken).ConfigureAwait(false);
    }

    public void Clear()
    {
        _length = 0;
        Commands = 0;
        _references.Clear();
        // a buffer that grew for big values gives its memory back instead of keeping it for the rest of the copy
        LargeBuffers.Shrink(ref _buffer, _initial);
    }

    /// <summary>Clears the writer and gives back a buffer that grew, whatever its size: for a writer its owner stopped using for now.</summary>
    public void Release()
    {
        Clear();
        LargeBuffers.Reset(ref _buffer, _initial);
    }

    /// <summary>Starts a command of <paramref name="parts"/> elements (name included).</summary>
    public RespWriter Command(int parts)
    {
        Commands++;
        WritePrefixed((byte)'*', parts);
        return this;
    }

    public RespWriter Bulk(ReadOnlySpan<byte> value)
    {
        Ensure(value.Length + 18);
        WritePrefixed((byte)'$', value.Length);
        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
        _buffer[_length++] = (byte)'\r';
        _buffer[_length++] = (byte)'\n';
        return this;
    }

    public RespWriter Bulk(long value)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out var written);
        return Bulk(digits[..written]);
    }

    public RespWriter Bulk(string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max <= 256)
        {
            Span<byte> bytes = stackalloc byte[max];
            var n = Encoding.UTF8.GetBytes(value, bytes);
            return Bulk(bytes[..n]);
        }
        return Bulk(Encoding.UTF8.GetBytes(value));
    }

    /// <summary>A whole command already in RESP (as a master sends it on its replication stream), copied as it is.</summary>
    public RespWriter Raw(ReadOnlySpan<byte> command)
    {
        Commands++;
        Ensure(command.Length);
        command.CopyTo(_buffer.AsSpan(_length));
        _length += command.Length;
        return this;
    }

    /// <summary>Writes a whole command of string parts; for the cold path (handshakes, admin commands).</summary>
    public RespWriter Command(params ReadOnlySpan<string> parts)
    {
        Command(parts.Length);
        foreach (var part in parts)
        {
            Bulk(part);
        }
        return this;
    }

    private void WritePrefixed(byte prefix, int number)
    {
        Ensure(16);
        var span = _buffer.AsSpan(_length, 16);
        span[0] = prefix;
        int end;
        // most prefixes are small: a command's part count, a key's length
        if ((uint)number < 10)
        {
            span[1] = (byte)('0' + number);
            end = 2;
        }
        else if ((uint)number < 100)
        {
            span[1] = (byte)('0' + number / 10);
            span[2] = (byte)('0' + number % 10);
            end = 3;
        }
        else
        {
            Utf8Formatter.TryFormat(number, span[1..], out var written);
            end = 1 + written;
        }
        span[end] = (byte)'\r';
        span[end + 1] = (byte)'\n';
        _length += end + 2;
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length)
        {
            return;
        }
        LargeBuffers.Grow(ref _buffer, _length, _length + extra);
    }
}
