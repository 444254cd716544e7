using System.Text;

namespace DistributedCopy.Core.Tests.Unit;

/// <summary>Commands as the server must receive them: RESP arrays of bulk strings, binary-safe, big values by reference.</summary>
public sealed class RespWriterUnitTests
{
    [Fact]
    public void ACommandIsAnArrayOfBulkStringsWithBinaryValuesIntact()
    {
        var writer = new RespWriter(16);
        writer.Command(5).Bulk("RESTORE"u8).Bulk("a\r\nb"u8).Bulk(-5).Bulk(""u8).Bulk(long.MaxValue);
        writer.Command(1).Bulk("PING");

        Assert.Equal(2, writer.Commands);
        Assert.Equal("*5\r\n$7\r\nRESTORE\r\n$4\r\na\r\nb\r\n$2\r\n-5\r\n$0\r\n\r\n$19\r\n9223372036854775807\r\n*1\r\n$4\r\nPING\r\n",
            Encoding.ASCII.GetString(writer.Written.Span));
        writer.Clear();
        Assert.Equal(0, writer.Commands);
        Assert.Equal(0, writer.Length);
    }

    [Fact]
    public void ACommandFromStringsIsTheSameAsBulkByBulk()
    {
        var parts = new RespWriter();
        parts.Command("CLUSTER", "COUNTKEYSINSLOT", "12");
        var bulks = new RespWriter();
        bulks.Command(3).Bulk("CLUSTER").Bulk("COUNTKEYSINSLOT").Bulk(12);

        Assert.Equal(bulks.Written.ToArray(), parts.Written.ToArray());
    }

    [Fact]
    public async Task AValueSentByReferenceReachesTheStreamInItsPlace()
    {
        var big = new byte[RespWriter.ReferenceThreshold * 3];
        new Random(3).NextBytes(big);
        var writer = new RespWriter(64);
        writer.Command(3).Bulk("SET"u8).Bulk("k"u8).BulkReference(big);
        writer.Command(2).Bulk("GET"u8).Bulk("k"u8);
        using var stream = new MemoryStream();

        await writer.WriteToAsync(stream, CancellationToken.None);

        var expected = Encoding.ASCII.GetBytes($"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n${big.Length}\r\n").Concat(big)
            .Concat(Encoding.ASCII.GetBytes("\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")).ToArray();
        Assert.Equal(expected, stream.ToArray());
        Assert.Equal(2, writer.Commands);
    }
}
