namespace DistributedCopy.Core.Rdb;

/// <summary>Redis's CRC64 (Jones polynomial, reflected, no final xor): the checksum of RDB files and DUMP payloads.</summary>
public static class Crc64
{
    private static readonly ulong[] Table = Build();

    public static ulong Update(ulong crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc = Table[(byte)(crc ^ b)] ^ (crc >> 8);
        }
        return crc;
    }

    private static ulong[] Build()
    {
        const ulong polynomial = 0x95AC9329AC4BC9B5; // 0xad93d23594c935a9, bits reflected
        var table = new ulong[256];
        for (ulong i = 0; i < 256; i++)
        {
            var crc = i;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ polynomial : crc >> 1;
            }
            table[i] = crc;
        }
        return table;
    }
}
