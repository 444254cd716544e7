using System.Buffers.Binary;
using System.Text;

namespace DistributedCopy.Testing;

/// <summary>
/// Small RDB files in the encodings Redis wrote before listpacks (RDB versions 6 to 9), written from the format's
/// specification for the file reader's tests: a string, a plain list, a list as a ziplist (type 10) and as a quicklist
/// of ziplists (type 14), a hash as a zipmap (9) and as a ziplist (13), a set as an intset (11), a sorted set as a ziplist
/// (12) and with scores as text (3), keys with expiries in seconds (0xFD) and milliseconds (0xFC).
/// </summary>
public static class OldRdbFile
{
    /// <summary>The file's bytes, at <paramref name="version"/> (6 to 9; quicklists need 7 or later).</summary>
    public static byte[] Write(int version)
    {
        using var stream = new MemoryStream();
        var w = new BinaryWriter(stream);
        w.Write(Encoding.ASCII.GetBytes($"REDIS{version:D4}"));
        Aux(w, "redis-ver", "3.2.0");
        w.Write((byte)0xFE);
        Length(w, 0);
        Key(w, 0, "plain:string", () => String(w, "hello"));
        Key(w, 1, "plain:list", () =>
        {
            Length(w, 3);
            foreach (var item in new[] { "a", "bb", "ccc" })
            {
                String(w, item);
            }
        });
        Key(w, 10, "old:list-ziplist", () => Bytes(w, Ziplist(["x", "yy", "zzz", "12345"])));
        if (version >= 7)
        {
            Key(w, 14, "old:list-quicklist", () =>
            {
                Length(w, 2);
                Bytes(w, Ziplist(["q1", "q2"]));
                Bytes(w, Ziplist(["q3"]));
            });
        }
        Key(w, 9, "old:hash-zipmap", () => Bytes(w, Zipmap([("f1", "v1"), ("field2", "value2")])));
        Key(w, 13, "old:hash-ziplist", () => Bytes(w, Ziplist(["name", "bob", "age", "42"])));
        Key(w, 11, "old:set-intset", () => Bytes(w, Intset([1, 5, 300, 70000])));
        Key(w, 12, "old:zset-ziplist", () => Bytes(w, Ziplist(["m3", "-3.25", "m1", "1.5", "m2", "2"])));
        Key(w, 3, "old:zset-text", () =>
        {
            Length(w, 2);
            String(w, "a");
            String(w, "1.5");
            String(w, "b");
            w.Write((byte)254);
        });
        // expiries far ahead, in seconds and in milliseconds
        w.Write((byte)0xFD);
        w.Write((uint)DateTimeOffset.UtcNow.AddHours(3).ToUnixTimeSeconds());
        Key(w, 0, "old:expires-s", () => String(w, "soon"));
        w.Write((byte)0xFC);
        w.Write(DateTimeOffset.UtcNow.AddHours(5).ToUnixTimeMilliseconds());
        Key(w, 0, "old:expires-ms", () => String(w, "later"));
        // and one already expired, which no one may load
        w.Write((byte)0xFC);
        w.Write(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds());
        Key(w, 0, "old:expired", () => String(w, "gone"));
        w.Write((byte)0xFF);
        w.Flush();
        var body = stream.ToArray();
        var crc = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(crc, Crc64(body));
        return [.. body, .. crc];
    }

    private static void Key(BinaryWriter w, byte type, string key, Action value)
    {
        w.Write(type);
        String(w, key);
        value();
    }

    private static void Aux(BinaryWriter w, string key, string value)
    {
        w.Write((byte)0xFA);
        String(w, key);
        String(w, value);
    }

    private static void String(BinaryWriter w, string text) => Bytes(w, Encoding.UTF8.GetBytes(text));

    private static void Bytes(BinaryWriter w, byte[] bytes)
    {
        Length(w, bytes.Length);
        w.Write(bytes);
    }

    /// <summary>RDB length encoding: 6 bits, 14 bits, or 0x80 and 32 bits big-endian.</summary>
    private static void Length(BinaryWriter w, int length)
    {
        if (length < 64)
        {
            w.Write((byte)length);
        }
        else if (length < 16384)
        {
            w.Write((byte)(0x40 | (length >> 8)));
            w.Write((byte)length);
        }
        else
        {
            w.Write((byte)0x80);
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)length);
            w.Write(bytes);
        }
    }

    /// <summary>A ziplist of short strings: zlbytes, zltail, zllen, entries (previous length, 6-bit string length, bytes), 0xFF.</summary>
    private static byte[] Ziplist(string[] items)
    {
        var entries = new List<byte[]>();
        var previous = 0;
        foreach (var item in items)
        {
            var bytes = Encoding.UTF8.GetBytes(item);
            byte[] entry = [(byte)previous, (byte)bytes.Length, .. bytes];
            entries.Add(entry);
            previous = entry.Length;
        }
        var total = 10 + entries.Sum(e => e.Length) + 1;
        var tail = 10 + entries.Take(entries.Count - 1).Sum(e => e.Length);
        var list = new byte[total];
        BinaryPrimitives.WriteUInt32LittleEndian(list, (uint)total);
        BinaryPrimitives.WriteUInt32LittleEndian(list.AsSpan(4), (uint)tail);
        BinaryPrimitives.WriteUInt16LittleEndian(list.AsSpan(8), (ushort)entries.Count);
        var at = 10;
        foreach (var entry in entries)
        {
            entry.CopyTo(list, at);
            at += entry.Length;
        }
        list[^1] = 0xFF;
        return list;
    }

    /// <summary>A zipmap: its entry count, then each key (length, bytes) and value (length, free bytes 0, bytes), then 0xFF.</summary>
    private static byte[] Zipmap((string Key, string Value)[] pairs)
    {
        var bytes = new List<byte> { (byte)pairs.Length };
        foreach (var (key, value) in pairs)
        {
            var (k, v) = (Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));
            bytes.Add((byte)k.Length);
            bytes.AddRange(k);
            bytes.Add((byte)v.Length);
            bytes.Add(0);
            bytes.AddRange(v);
        }
        bytes.Add(0xFF);
        return [.. bytes];
    }

    /// <summary>An intset of 32-bit integers: encoding (4), length, sorted little-endian values.</summary>
    private static byte[] Intset(int[] values)
    {
        var set = new byte[8 + (4 * values.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(set, 4);
        BinaryPrimitives.WriteUInt32LittleEndian(set.AsSpan(4), (uint)values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(set.AsSpan(8 + (4 * i)), values.Order().ElementAt(i));
        }
        return set;
    }

    /// <summary>Redis's CRC64 (Jones, reflected), written here apart from the copier's.</summary>
    private static ulong Crc64(byte[] data)
    {
        ulong crc = 0;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x95AC9329AC4BC9B5UL : crc >> 1;
            }
        }
        return crc;
    }
}
