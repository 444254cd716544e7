namespace DistributedCopy.Core.Rdb;

/// <summary>LZF decompression, as RDB files compress strings (keys and aux fields are read whole).</summary>
internal static class Lzf
{
    public static byte[] Decompress(ReadOnlySpan<byte> input, int length, long at)
    {
        var output = new byte[length];
        int i = 0, o = 0;
        while (i < input.Length)
        {
            int control = input[i++];
            if (control < 32)
            {
                // a run of control + 1 literal bytes
                var run = control + 1;
                if (o + run > length || i + run > input.Length)
                {
                    throw new RdbFileException(at, "a compressed string does not decompress (damaged)");
                }
                input.Slice(i, run).CopyTo(output.AsSpan(o));
                (i, o) = (i + run, o + run);
                continue;
            }
            // a back reference: length (3 bits, or 7 + a byte), offset (5 bits and a byte)
            var count = control >> 5;
            if (count == 7)
            {
                count += input[i++];
            }
            var back = o - ((control & 0x1F) << 8) - 1 - input[i++];
            count += 2;
            if (back < 0 || o + count > length)
            {
                throw new RdbFileException(at, "a compressed string does not decompress (damaged)");
            }
            for (var k = 0; k < count; k++)
            {
                output[o++] = output[back + k];
            }
        }
        return o == length ? output : throw new RdbFileException(at, "a compressed string decompresses to another length (damaged)");
    }
}
