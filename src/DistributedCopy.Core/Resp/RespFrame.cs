using System.Buffers.Text;
using System.Text;

namespace DistributedCopy.Core.Resp;

/// <summary>Reads one complete RESP2/RESP3 reply held in a span, without allocating.</summary>
public static class RespFrame
{
    /// <summary>Length of the complete reply at the start of <paramref name="data"/>, or -1 when more bytes are needed.</summary>
    public static int Length(ReadOnlySpan<byte> data)
    {
        var pos = 0;
        return Skip(data, ref pos) ? pos : -1;
    }

    public static bool IsError(ReadOnlySpan<byte> frame) => frame.Length > 0 && (frame[0] == (byte)'-' || frame[0] == (byte)'!');

    public static bool IsNull(ReadOnlySpan<byte> frame) =>
        frame.Length > 0 && (frame[0] == (byte)'_' || ((frame[0] == (byte)'$' || frame[0] == (byte)'*') && frame.Length > 1 && frame[1] == (byte)'-'));

    public static string ErrorText(ReadOnlySpan<byte> frame) => Encoding.UTF8.GetString(Line(frame, 1, out _));

    /// <summary>An integer reply (or a bulk/simple string that holds one).</summary>
    public static long Integer(ReadOnlySpan<byte> frame)
    {
        if (frame[0] == (byte)':' || frame[0] == (byte)'+')
        {
            return ParseLong(Line(frame, 1, out _));
        }
        if (TryBulk(frame, out var bulk))
        {
            return ParseLong(bulk);
        }
        throw new RespException("expected an integer reply, got: " + Describe(frame));
    }

    /// <summary>The contents of a bulk or simple string; false for a null reply.</summary>
    public static bool TryBulk(ReadOnlySpan<byte> frame, out ReadOnlySpan<byte> value)
    {
        switch (frame[0])
        {
            case (byte)'$':
            case (byte)'=':
            case (byte)'!':
                var len = (int)ParseLong(Line(frame, 1, out var headerEnd));
                if (len < 0)
                {
                    value = default;
                    return false;
                }
                value = frame.Slice(headerEnd, len);
                return true;
            case (byte)'+':
                value = Line(frame, 1, out _);
                return true;
            case (byte)'_':
                value = default;
                return false;
            default:
                throw new RespException("expected a string reply, got: " + Describe(frame));
        }
    }

    public static string String(ReadOnlySpan<byte> frame) =>
        TryBulk(frame, out var value) ? Encoding.UTF8.GetString(value) : throw new RespException("unexpected null reply");

    /// <summary>Elements of an array/set/push/map reply (a map yields keys and values in turn); count is -1 for a null array.</summary>
    public static ArrayReader Array(ReadOnlySpan<byte> frame)
    {
        if (frame[0] is not ((byte)'*' or (byte)'~' or (byte)'>' or (byte)'%'))
        {
            throw new RespException("expected an array reply, got: " + Describe(frame));
        }
        var count = (int)ParseLong(Line(frame, 1, out var start));
        if (frame[0] == (byte)'%')
        {
            count *= 2;
        }
        return new ArrayReader(frame, start, count);
    }

    public static string Describe(ReadOnlySpan<byte> frame)
    {
        var text = Encoding.UTF8.GetString(frame[..Math.Min(frame.Length, 120)]);
        return text.Replace("\r\n", " ", StringComparison.Ordinal).Trim();
    }

    public ref struct ArrayReader
    {
        private readonly ReadOnlySpan<byte> _frame;
        private int _pos;
        private int _remaining;

        internal ArrayReader(ReadOnlySpan<byte> frame, int start, int count)
        {
            _frame = frame;
            _pos = start;
            _remaining = count;
            Count = count;
        }

        public int Count { get; }

        /// <summary>The next element's whole frame.</summary>
        public bool MoveNext(out ReadOnlySpan<byte> element)
        {
            if (_remaining <= 0)
            {
                element = default;
                return false;
            }
            var begin = _pos;
            Skip(_frame, ref _pos);
            element = _frame[begin.._pos];
            _remaining--;
            return true;
        }

        public ReadOnlySpan<byte> Next() =>
            MoveNext(out var element) ? element : throw new RespException("array reply has fewer elements than expected");
    }

    private static bool Skip(ReadOnlySpan<byte> data, ref int pos)
    {
        if (pos >= data.Length)
        {
            return false;
        }
        var type = data[pos];
        var lineEnd = data[pos..].IndexOf((byte)'\n');
        if (lineEnd < 0)
        {
            return false;
        }
        var header = data.Slice(pos + 1, lineEnd - 1).TrimEnd((byte)'\r');
        var next = pos + lineEnd + 1;
        switch (type)
        {
            case (byte)'+':
            case (byte)'-':
            case (byte)':':
            case (byte)'_':
            case (byte)'#':
            case (byte)',':
            case (byte)'(':
                pos = next;
                return true;
            case (byte)'$':
            case (byte)'=':
            case (byte)'!':
                {
                    var len = ParseLong(header);
                    if (len < 0)
                    {
                        pos = next;
                        return true;
                    }
                    var end = next + len + 2;
                    if (end > data.Length)
                    {
                        return false;
                    }
                    pos = (int)end;
                    return true;
                }
            case (byte)'*':
            case (byte)'~':
            case (byte)'>':
            case (byte)'%':
            case (byte)'|':
                {
                    var count = ParseLong(header);
                    if (type is (byte)'%' or (byte)'|')
                    {
                        count *= 2;
                    }
                    pos = next;
                    for (long i = 0; i < count; i++)
                    {
                        if (!Skip(data, ref pos))
                        {
                            return false;
                        }
                    }
                    if (type == (byte)'|')
                    {
                        // an attribute precedes the real reply
                        return Skip(data, ref pos);
                    }
                    return true;
                }
            default:
                throw new RespException($"protocol error: unexpected byte 0x{type:x2} in a reply");
        }
    }

    private static ReadOnlySpan<byte> Line(ReadOnlySpan<byte> frame, int from, out int next)
    {
        var end = frame[from..].IndexOf((byte)'\n');
        next = from + end + 1;
        return frame.Slice(from, end).TrimEnd((byte)'\r');
    }

    private static long ParseLong(ReadOnlySpan<byte> text) =>
        Utf8Parser.TryParse(text, out long value, out var consumed) && consumed == text.Length
            ? value
            : throw new RespException("protocol error: not a number: " + Encoding.UTF8.GetString(text));
}
