using System.Text;

namespace DistributedCopy.Core.Tests.Unit;

/// <summary>Replies as a network delivers them: complete only at their last byte, whatever the split; values read in place.</summary>
public sealed class RespFrameUnitTests
{
    public static TheoryData<string, string> Frames => new()
    {
        { "simple string", "+OK\r\n" },
        { "error", "-ERR wrong number of arguments\r\n" },
        { "integer", ":-42\r\n" },
        { "bulk", "$5\r\nhello\r\n" },
        { "empty bulk", "$0\r\n\r\n" },
        { "null bulk", "$-1\r\n" },
        { "binary bulk with CRLF inside", "$6\r\na\r\nb\r\n\r\n" },
        { "null array", "*-1\r\n" },
        { "empty array", "*0\r\n" },
        { "array", "*2\r\n$3\r\nfoo\r\n:7\r\n" },
        { "nested arrays, three levels", "*2\r\n*2\r\n*1\r\n+a\r\n:1\r\n$1\r\nb\r\n" },
        { "SCAN reply", "*2\r\n$2\r\n17\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n" },
        { "RESP3 map", "%2\r\n+k\r\n:1\r\n+m\r\n*1\r\n+n\r\n" },
        { "RESP3 set", "~2\r\n+a\r\n+b\r\n" },
        { "RESP3 push", ">2\r\n+message\r\n$1\r\nx\r\n" },
        { "RESP3 null", "_\r\n" },
        { "RESP3 boolean", "#t\r\n" },
        { "RESP3 double", ",3.14\r\n" },
        { "RESP3 big number", "(12345678901234567890\r\n" },
        { "RESP3 verbatim string", "=8\r\ntxt:abcd\r\n" },
        { "RESP3 blob error", "!5\r\nERR x\r\n" },
        { "RESP3 attribute before its reply", "|1\r\n+ttl\r\n:3\r\n+OK\r\n" },
    };

    [Theory]
    [MemberData(nameof(Frames))]
    public void AFrameIsCompleteAtItsLastByteAndNotBefore(string kind, string text)
    {
        var frame = Encoding.ASCII.GetBytes(text);

        Assert.True(RespFrame.Length(frame) == frame.Length, kind);
        Assert.True(RespFrame.Length([.. frame, .. "+NEXT\r\n"u8]) == frame.Length, $"{kind}: the next reply is not part of it");
        for (var cut = 0; cut < frame.Length; cut++)
        {
            Assert.True(RespFrame.Length(frame.AsSpan(0, cut)) == -1, $"{kind}: complete after {cut} of {frame.Length} bytes");
        }
    }

    [Fact]
    public void ABulkOfThreeMegabytesIsCompleteOnlyWhenItsLastReadArrives()
    {
        var value = new byte[3 * 1024 * 1024];
        new Random(7).NextBytes(value);
        var frame = Encoding.ASCII.GetBytes($"${value.Length}\r\n").Concat(value).Concat("\r\n"u8.ToArray()).ToArray();

        // as 64 KB reads would deliver it
        for (var received = 0; received < frame.Length; received += 64 * 1024)
        {
            Assert.Equal(-1, RespFrame.Length(frame.AsSpan(0, received)));
        }
        Assert.Equal(frame.Length, RespFrame.Length(frame));
        Assert.True(RespFrame.TryBulk(frame, out var read));
        Assert.True(read.SequenceEqual(value));
    }

    [Fact]
    public void ValuesAreReadAsTheirTypesSay()
    {
        Assert.Equal(-42, RespFrame.Integer(":-42\r\n"u8));
        Assert.Equal(17, RespFrame.Integer("$2\r\n17\r\n"u8));
        Assert.Equal(5, RespFrame.Integer("+5\r\n"u8));
        Assert.Equal("hello", RespFrame.String("$5\r\nhello\r\n"u8));
        Assert.Equal("OK", RespFrame.String("+OK\r\n"u8));
        Assert.False(RespFrame.TryBulk("$-1\r\n"u8, out _));
        Assert.False(RespFrame.TryBulk("_\r\n"u8, out _));
        Assert.True(RespFrame.IsNull("$-1\r\n"u8) && RespFrame.IsNull("*-1\r\n"u8) && RespFrame.IsNull("_\r\n"u8));
        Assert.False(RespFrame.IsNull("$0\r\n\r\n"u8));
        Assert.True(RespFrame.IsError("-MOVED 1 127.0.0.1:7000\r\n"u8) && RespFrame.IsError("!5\r\nERR x\r\n"u8));
        Assert.Equal("MOVED 1 127.0.0.1:7000", RespFrame.ErrorText("-MOVED 1 127.0.0.1:7000\r\n"u8));
        Assert.Equal("ERR x", RespFrame.String("!5\r\nERR x\r\n"u8));
        Assert.Equal("SYNTAX invalid syntax", RespFrame.ErrorText("!21\r\nSYNTAX invalid syntax\r\n"u8));
        Assert.Equal("+OK", RespFrame.Describe("+OK\r\n"u8));
    }

    [Fact]
    public void ArrayElementsAreWalkedInPlaceAndAMapYieldsKeysAndValuesInTurn()
    {
        var scan = "*2\r\n$2\r\n17\r\n*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"u8;
        var reply = RespFrame.Array(scan);
        Assert.Equal(2, reply.Count);
        Assert.Equal("17", RespFrame.String(reply.Next()));
        var keys = RespFrame.Array(reply.Next());
        var seen = new List<string>();
        while (keys.MoveNext(out var key))
        {
            seen.Add(RespFrame.String(key));
        }
        Assert.Equal(["a", "b", "c"], seen);
        Assert.False(reply.MoveNext(out _));

        var map = RespFrame.Array("%2\r\n+k\r\n:1\r\n+m\r\n:2\r\n"u8);
        Assert.Equal(4, map.Count);
        Assert.Equal("k", RespFrame.String(map.Next()));
        Assert.Equal(1, RespFrame.Integer(map.Next()));
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "an unknown type byte", "?what\r\n" },
        { "a bulk length that is no number", "$x\r\nab\r\n" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void AMalformedReplyIsAProtocolErrorNotAHang(string kind, string text)
    {
        var error = Assert.ThrowsAny<RespException>(() => RespFrame.Length(Encoding.ASCII.GetBytes(text)));
        Assert.Contains("protocol error", error.Message, StringComparison.Ordinal);
        Assert.NotNull(kind);
    }
}
