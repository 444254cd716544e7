namespace DistributedCopy.Core.Resp;

// RespFrame, part 2: walking the elements of an array reply without copying them.
public static partial class RespFrame
{
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
}
