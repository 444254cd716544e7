namespace DistributedCopy.Core.Cluster;

/// <summary>
/// The temporary name a big key is written under until it is complete: "dcopy:chunk:{tag}:&lt;hash of the key&gt;", whose
/// tag puts it in the key's own slot (so RENAME onto the real name works in a cluster) and whose name is the same for the
/// same key every time (so a resumed copy finds and replaces what a crashed one left).
/// </summary>
internal static class TempKey
{
    private static readonly Lazy<string[]> _tags = new(Tags);

    public static byte[] For(ReadOnlySpan<byte> key, int slot)
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(key).AsSpan(0, 12));
        return System.Text.Encoding.ASCII.GetBytes($"dcopy:chunk:{{{_tags.Value[slot]}}}:{hash}");
    }

    /// <summary>For each slot, the smallest number whose text hashes to it (all found within about 200,000 numbers).</summary>
    private static string[] Tags()
    {
        var tags = new string?[HashSlot.Count];
        var found = 0;
        for (var i = 0; found < HashSlot.Count; i++)
        {
            var tag = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var slot = HashSlot.Of(tag);
            if (tags[slot] is null)
            {
                tags[slot] = tag;
                found++;
            }
        }
        return Array.ConvertAll(tags, tag => tag!);
    }
}
