namespace DistributedCopy.Core.Cluster;

/// <summary>
/// The temporary name a big key is written under until it is complete: "dcopy:chunk:{tag}:&lt;hash of the key&gt;:&lt;writer&gt;",
/// whose tag puts it in the key's own slot (so RENAME onto the real name works in a cluster) and whose last part is the
/// writer's own token, so two writers of one key (a lease taken over, a slot listed again, a sync's applier and its
/// reconcile) never build their chunks into the same key. What a writer that died leaves expires (a day's TTL), or goes
/// with <see cref="Pattern"/> when its job ends.
/// </summary>
internal static class TempKey
{
    public const string Prefix = "dcopy:chunk:";

    public static byte[] For(ReadOnlySpan<byte> key, int slot, string writer)
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(key).AsSpan(0, 12));
        return System.Text.Encoding.ASCII.GetBytes($"{Prefix}{{{HashSlot.Tag(slot)}}}:{hash}:{writer}");
    }

    /// <summary>A token for one writer: the job's tag (so a job's leftovers can be found) and random bits.</summary>
    public static string Writer(string job) => $"{job}.{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))}";

    /// <summary>SCAN MATCH pattern of every temporary key of the job tagged <paramref name="job"/>.</summary>
    public static string Pattern(string job) => $"{Prefix}*:{job}.*";
}
