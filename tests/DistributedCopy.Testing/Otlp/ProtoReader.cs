namespace DistributedCopy.Testing.Otlp;

/// <summary>
/// The protobuf wire format, read field by field (varint, 64-bit, length-delimited, 32-bit), written from the format's
/// specification for the test library alone: what an OTLP exporter sends is decoded without the exporter's own code.
/// </summary>
public static class ProtoReader
{
    public readonly record struct Field(int Number, int WireType, ulong Scalar, ReadOnlyMemory<byte> Bytes);

    public static IEnumerable<Field> Fields(ReadOnlyMemory<byte> message)
    {
        var at = 0;
        while (at < message.Length)
        {
            var tag = Varint(message.Span, ref at);
            var (number, wireType) = ((int)(tag >> 3), (int)(tag & 7));
            switch (wireType)
            {
                case 0:
                    yield return new Field(number, wireType, Varint(message.Span, ref at), default);
                    break;
                case 1:
                    yield return new Field(number, wireType, BitConverter.ToUInt64(message.Span.Slice(at, 8)), default);
                    at += 8;
                    break;
                case 2:
                    var length = (int)Varint(message.Span, ref at);
                    yield return new Field(number, wireType, 0, message.Slice(at, length));
                    at += length;
                    break;
                case 5:
                    yield return new Field(number, wireType, BitConverter.ToUInt32(message.Span.Slice(at, 4)), default);
                    at += 4;
                    break;
                default:
                    throw new FormatException($"wire type {wireType} (field {number}) at byte {at}");
            }
        }
    }

    /// <summary>The length-delimited fields numbered <paramref name="number"/>: embedded messages, strings, packed values.</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Messages(ReadOnlyMemory<byte> message, int number) =>
        Fields(message).Where(f => f.Number == number && f.WireType == 2).Select(f => f.Bytes);

    public static string? Text(ReadOnlyMemory<byte> message, int number) =>
        Messages(message, number).Select(b => System.Text.Encoding.UTF8.GetString(b.Span)).FirstOrDefault();

    private static ulong Varint(ReadOnlySpan<byte> bytes, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = bytes[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
