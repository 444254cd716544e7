using System.Buffers.Text;
using System.Text;

namespace DistributedCopy.Core.Resp;

/// <summary>Reads one complete RESP2/RESP3 reply held in a span, without allocating.</summary>
public static partial class RespFrame
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

    /// <summary>The text of an error reply: a simple error's line, or a RESP3 blob error's body (its first line is a length).</summary>
    public static string ErrorText(ReadOnlySpan<byte> frame) =>
        frame[0] == (byte)'!' && TryBulk(frame, out var blob) ? Encoding.UTF8.GetString(blob) : Encoding.UTF8.GetString(Line(frame, 1, out _));

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
