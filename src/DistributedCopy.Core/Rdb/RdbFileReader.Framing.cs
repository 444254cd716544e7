using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace DistributedCopy.Core.Rdb;

// RdbFileReader, part 2: lengths, strings and each type's framing, read past without decoding values.
internal sealed partial class RdbFileReader
{
    /// <summary>A length: 6, 14, 32 or 64 bits; <paramref name="encoded"/> when it is a special string encoding (the value is its kind).</summary>
    private long ReadLength(out bool encoded)
    {
        var first = _in.ReadByte();
        encoded = false;
        switch (first >> 6)
        {
            case 0:
                return first & 0x3F;
            case 1:
                return ((first & 0x3F) << 8) | _in.ReadByte();
            case 3:
                encoded = true;
                return first & 0x3F;
            default:
                return first switch
                {
                    0x80 => BinaryPrimitives.ReadUInt32BigEndian(_in.ReadBytes(4)),
                    0x81 => (long)BinaryPrimitives.ReadUInt64BigEndian(_in.ReadBytes(8)),
                    _ => throw new RdbFileException(_in.Offset - 1, $"length byte 0x{first:X2} is not a valid length"),
                };
        }
    }

    public long ReadLength() => ReadLength(out _);

    /// <summary>A string's bytes: plain, an integer kept as one (given back as its decimal text), or LZF-compressed.</summary>
    public byte[] ReadString()
    {
        var at = _in.Offset;
        var length = ReadLength(out var encoded);
        if (!encoded)
        {
            return _in.ReadBytes(Checked(length, at));
        }
        switch (length)
        {
            case 0:
                return Encoding.ASCII.GetBytes(((sbyte)_in.ReadByte()).ToString(CultureInfo.InvariantCulture));
            case 1:
                return Encoding.ASCII.GetBytes(BinaryPrimitives.ReadInt16LittleEndian(_in.ReadBytes(2)).ToString(CultureInfo.InvariantCulture));
            case 2:
                return Encoding.ASCII.GetBytes(BinaryPrimitives.ReadInt32LittleEndian(_in.ReadBytes(4)).ToString(CultureInfo.InvariantCulture));
            case 3:
                var compressed = Checked(ReadLength(), at);
                var plain = Checked(ReadLength(), at);
                return Lzf.Decompress(_in.ReadBytes(compressed), plain, at);
            default:
                throw new RdbFileException(at, $"string encoding {length} is not a valid one");
        }
    }

    /// <summary>Reads past a string without keeping it.</summary>
    private void SkipString()
    {
        var at = _in.Offset;
        var length = ReadLength(out var encoded);
        if (!encoded)
        {
            _in.Skip(length);
            return;
        }
        switch (length)
        {
            case 0 or 1 or 2:
                _in.Skip(1 << (int)length);
                break;
            case 3:
                var compressed = ReadLength();
                ReadLength();
                _in.Skip(compressed);
                break;
            default:
                throw new RdbFileException(at, $"string encoding {length} is not a valid one");
        }
    }

    private void SkipValue(byte type, byte[] key, long at)
    {
        switch (type)
        {
            case 0 or 9 or 10 or 11 or 12 or 13 or 16 or 17 or 20:
                // a string, or one blob (zipmap, ziplist, intset, listpack)
                SkipString();
                break;
            case 1 or 2 or 14:
                for (var n = ReadLength(); n > 0; n--)
                {
                    SkipString();
                }
                break;
            case 3:
                for (var n = ReadLength(); n > 0; n--)
                {
                    SkipString();
                    // a score as text: its length, or 253-255 for nan, +inf, -inf
                    var length = _in.ReadByte();
                    _in.Skip(length < 253 ? length : 0);
                }
                break;
            case 4:
                for (var n = ReadLength(); n > 0; n--)
                {
                    SkipString();
                    SkipString();
                }
                break;
            case 5:
                for (var n = ReadLength(); n > 0; n--)
                {
                    SkipString();
                    _in.Skip(8);
                }
                break;
            case 18:
                for (var n = ReadLength(); n > 0; n--)
                {
                    ReadLength();
                    SkipString();
                }
                break;
            case 15 or 19 or 21:
                SkipStream(type);
                break;
            case 6 or 7:
                throw new RdbFileException(at, $"key {Diagnostics.KeyText.Printable(key)} is of a module's type, which only the module can read: it cannot be copied");
            default:
                throw new RdbFileException(at, $"key {Diagnostics.KeyText.Printable(key)} has value type {type}, of a Redis newer than this reader knows");
        }
    }

    /// <summary>A stream: its listpacks, length and ids, then its consumer groups with their pending entries and consumers.</summary>
    private void SkipStream(byte type)
    {
        for (var n = ReadLength(); n > 0; n--)
        {
            SkipString();
            SkipString();
        }
        // length, last id (ms, seq); from v2 first id, max deleted id, entries added
        for (var n = type >= 19 ? 8 : 3; n > 0; n--)
        {
            ReadLength();
        }
        for (var groups = ReadLength(); groups > 0; groups--)
        {
            SkipString();
            ReadLength();
            ReadLength();
            if (type >= 19)
            {
                ReadLength();
            }
            for (var pending = ReadLength(); pending > 0; pending--)
            {
                _in.Skip(16 + 8);
                ReadLength();
            }
            for (var consumers = ReadLength(); consumers > 0; consumers--)
            {
                SkipString();
                _in.Skip(type >= 21 ? 16 : 8);
                for (var pending = ReadLength(); pending > 0; pending--)
                {
                    _in.Skip(16);
                }
            }
        }
    }

    /// <summary>A module's aux data: its id and when, then typed values until the module end marker.</summary>
    private void SkipModuleAux()
    {
        ReadLength();
        ReadLength();
        ReadLength();
        while (true)
        {
            switch (ReadLength())
            {
                case 0:
                    Note("the file holds module data (aux fields): it is not copied");
                    return;
                case 1 or 2:
                    ReadLength();
                    break;
                case 3:
                    _in.Skip(4);
                    break;
                case 4:
                    _in.Skip(8);
                    break;
                case 5:
                    SkipString();
                    break;
                default:
                    throw new RdbFileException(_in.Offset, "module aux data this reader cannot frame");
            }
        }
    }

    private static int Checked(long length, long at) =>
        length is >= 0 and <= int.MaxValue ? (int)length : throw new RdbFileException(at, $"a string of {length:N0} bytes is more than this reader holds");
}
