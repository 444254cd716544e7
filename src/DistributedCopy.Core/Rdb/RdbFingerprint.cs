using System.Security.Cryptography;

namespace DistributedCopy.Core.Rdb;

/// <summary>
/// What identifies an RDB file for a resume: its size, a hash of its first MB and its last 8 bytes (the stored CRC64 of the
/// whole file). A file replaced by another (a newer BGSAVE under the same name) is not resumed into.
/// </summary>
public static class RdbFingerprint
{
    public static string Of(string path)
    {
        using var file = File.OpenRead(path);
        var head = new byte[(int)Math.Min(file.Length, 1 << 20)];
        file.ReadExactly(head);
        var tail = new byte[(int)Math.Min(file.Length, 8)];
        file.Seek(-tail.Length, SeekOrigin.End);
        file.ReadExactly(tail);
        return $"{file.Length}/{Convert.ToHexStringLower(SHA256.HashData(head))[..32]}/{Convert.ToHexStringLower(tail)}";
    }
}
