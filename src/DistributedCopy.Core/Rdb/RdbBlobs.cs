using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace DistributedCopy.Core.Rdb;

/// <summary>
/// The compact encodings a value of an RDB file may be kept in, read into its elements (integers as their decimal text):
/// ziplist, listpack, intset and zipmap. Used where a value must be written by type (a target older than the file).
/// </summary>
internal static class RdbBlobs
{
    /// <summary>A ziplist's entries: header (bytes, tail, count), entries (previous length, encoding, data), 0xFF.</summary>
    public static void Ziplist(byte[] blob, List<byte[]> into)
    {
        var at = 10;
        while (At(blob, at) != 0xFF)
        {
            at += blob[at] < 254 ? 1 : 5;
            var encoding = At(blob, at);
            switch (encoding >> 6)
            {
                case 0:
                    into.Add(Slice(blob, at + 1, encoding & 0x3F));
                    at += 1 + (encoding & 0x3F);
                    continue;
                case 1:
                    var length = ((encoding & 0x3F) << 8) | At(blob, at + 1);
                    into.Add(Slice(blob, at + 2, length));
                    at += 2 + length;
                    continue;
                case 2:
                    var longer = (int)BinaryPrimitives.ReadUInt32BigEndian(Slice(blob, at + 1, 4));
                    into.Add(Slice(blob, at + 5, longer));
                    at += 5 + longer;
                    continue;
            }
            long value;
            (value, at) = encoding switch
            {
                0xC0 => (BinaryPrimitives.ReadInt16LittleEndian(Slice(blob, at + 1, 2)), at + 3),
                0xD0 => (BinaryPrimitives.ReadInt32LittleEndian(Slice(blob, at + 1, 4)), at + 5),
                0xE0 => (BinaryPrimitives.ReadInt64LittleEndian(Slice(blob, at + 1, 8)), at + 9),
                0xF0 => ((BinaryPrimitives.ReadInt32LittleEndian([0, .. Slice(blob, at + 1, 3)]) >> 8), at + 4),
                0xFE => ((sbyte)At(blob, at + 1), at + 2),
                >= 0xF1 and <= 0xFD => ((encoding & 0x0F) - 1, at + 1),
                _ => throw Damaged("ziplist", at),
            };
            into.Add(Text(value));
        }
    }

    /// <summary>A listpack's elements: header (bytes, count), elements (encoding, data, back length), 0xFF.</summary>
    public static void Listpack(byte[] blob, List<byte[]> into)
    {
        var at = 6;
        while (At(blob, at) != 0xFF)
        {
            var (element, size) = ListpackElement(blob, at);
            into.Add(element);
            at += size + BackLength(size);
        }
    }

    /// <summary>One listpack element at <paramref name="at"/> and the bytes of its encoding and data.</summary>
    public static (byte[] Element, int Size) ListpackElement(byte[] blob, int at)
    {
        var encoding = At(blob, at);
        if (encoding < 0x80)
        {
            return (Text(encoding), 1);
        }
        if ((encoding & 0xC0) == 0x80)
        {
            return (Slice(blob, at + 1, encoding & 0x3F), 1 + (encoding & 0x3F));
        }
        if ((encoding & 0xE0) == 0xC0)
        {
            var value = ((encoding & 0x1F) << 8) | At(blob, at + 1);
            return (Text(value >= 1 << 12 ? value - (1 << 13) : value), 2);
        }
        if ((encoding & 0xF0) == 0xE0)
        {
            var length = ((encoding & 0x0F) << 8) | At(blob, at + 1);
            return (Slice(blob, at + 2, length), 2 + length);
        }
        return encoding switch
        {
            0xF0 => (Slice(blob, at + 5, (int)BinaryPrimitives.ReadUInt32LittleEndian(Slice(blob, at + 1, 4))), 5 + (int)BinaryPrimitives.ReadUInt32LittleEndian(Slice(blob, at + 1, 4))),
            0xF1 => (Text(BinaryPrimitives.ReadInt16LittleEndian(Slice(blob, at + 1, 2))), 3),
            0xF2 => (Text(BinaryPrimitives.ReadInt32LittleEndian([0, .. Slice(blob, at + 1, 3)]) >> 8), 4),
            0xF3 => (Text(BinaryPrimitives.ReadInt32LittleEndian(Slice(blob, at + 1, 4))), 5),
            0xF4 => (Text(BinaryPrimitives.ReadInt64LittleEndian(Slice(blob, at + 1, 8))), 9),
            _ => throw Damaged("listpack", at),
        };
    }

    /// <summary>An intset: the width of its integers (2, 4 or 8 bytes), their count, the integers, little-endian.</summary>
    public static void Intset(byte[] blob, List<byte[]> into)
    {
        var width = (int)BinaryPrimitives.ReadUInt32LittleEndian(Slice(blob, 0, 4));
        var count = (int)BinaryPrimitives.ReadUInt32LittleEndian(Slice(blob, 4, 4));
        for (var i = 0; i < count; i++)
        {
            var bytes = Slice(blob, 8 + i * width, width);
            into.Add(Text(width switch
            {
                2 => BinaryPrimitives.ReadInt16LittleEndian(bytes),
                4 => BinaryPrimitives.ReadInt32LittleEndian(bytes),
                8 => BinaryPrimitives.ReadInt64LittleEndian(bytes),
                _ => throw Damaged("intset", 0),
            }));
        }
    }

    /// <summary>A zipmap (hashes of RDB versions before 4): its count, then each key and value with their lengths and the value's free bytes.</summary>
    public static void Zipmap(byte[] blob, List<byte[]> into)
    {
        var at = 1;
        while (At(blob, at) != 0xFF)
        {
            var (length, size) = ZipmapLength(blob, at);
            into.Add(Slice(blob, at + size, length));
            at += size + length;
            (length, size) = ZipmapLength(blob, at);
            var free = At(blob, at + size);
            into.Add(Slice(blob, at + size + 1, length));
            at += size + 1 + length + free;
        }
    }

    private static (int Length, int Size) ZipmapLength(byte[] blob, int at) =>
        At(blob, at) < 254 ? (At(blob, at), 1) : ((int)BinaryPrimitives.ReadUInt32LittleEndian(Slice(blob, at + 1, 4)), 5);

    private static int BackLength(int size) => size switch { < 128 => 1, < 16384 => 2, < 2097152 => 3, < 268435456 => 4, _ => 5 };

    private static byte At(byte[] blob, int at) => at >= 0 && at < blob.Length ? blob[at] : throw Damaged("encoded value", at);

    private static byte[] Slice(byte[] blob, int at, int length) =>
        at >= 0 && length >= 0 && at + length <= blob.Length ? blob.AsSpan(at, length).ToArray() : throw Damaged("encoded value", at);

    private static byte[] Text(long value) => Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));

    private static CopyException Damaged(string what, int at) => new($"a {what} is damaged at its byte {at}");
}
