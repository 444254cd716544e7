namespace DistributedCopy.Core.Cluster;

/// <summary>
/// The temporary name a big key is written under until it is complete: "dcopy:chunk:{tag}:&lt;hash of the key&gt;", whose
/// tag puts it in the key's own slot (so RENAME onto the real name works in a cluster) and whose name is the same for the
/// same key every time (so a resumed copy finds and replaces what a crashed one left).
/// </summary>
internal static class TempKey
{
    public static byte[] For(ReadOnlySpan<byte> key, int slot)
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(key).AsSpan(0, 12));
        return System.Text.Encoding.ASCII.GetBytes($"dcopy:chunk:{{{HashSlot.Tag(slot)}}}:{hash}");
    }
}
