namespace DistributedCopy.Core.Cluster;

/// <summary>Redis Cluster hash slots: CRC16 (XMODEM) of the key, or of its first non-empty {hash tag}, modulo 16384.</summary>
public static class HashSlot
{
    public const int Count = 16384;

    private static readonly ushort[] _table = BuildTable();

    public static int Of(ReadOnlySpan<byte> key) => Crc16(Hashed(key)) & (Count - 1);

    /// <summary>What of the key is hashed: its first non-empty {hash tag}, or the whole key.</summary>
    public static ReadOnlySpan<byte> Hashed(ReadOnlySpan<byte> key)
    {
        var open = key.IndexOf((byte)'{');
        if (open >= 0)
        {
            var close = key[(open + 1)..].IndexOf((byte)'}');
            if (close > 0)
            {
                return key.Slice(open + 1, close);
            }
        }
        return key;
    }

    public static int Of(string key) => Of(System.Text.Encoding.UTF8.GetBytes(key));

    private static readonly Lazy<string[]> _tags = new(Tags);

    /// <summary>A short hash tag ("{tag}") that puts a key in <paramref name="slot"/>: the smallest number whose text hashes there.</summary>
    public static string Tag(int slot) => _tags.Value[slot];

    /// <summary>For each slot, the smallest number whose text hashes to it (all found within about 200,000 numbers).</summary>
    private static string[] Tags()
    {
        var tags = new string?[Count];
        var found = 0;
        for (var i = 0; found < Count; i++)
        {
            var tag = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var slot = Of(tag);
            if (tags[slot] is null)
            {
                tags[slot] = tag;
                found++;
            }
        }
        return Array.ConvertAll(tags, tag => tag!);
    }

    public static ushort Crc16(ReadOnlySpan<byte> data)
    {
        ushort crc = 0;
        foreach (var b in data)
        {
            crc = (ushort)((crc << 8) ^ _table[((crc >> 8) ^ b) & 0xFF]);
        }
        return crc;
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var crc = (ushort)(i << 8);
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }
            table[i] = crc;
        }
        return table;
    }
}
