namespace DistributedCopy.Core.Transforms;

/// <summary>
/// The target names renames gave in one engine, so two source keys renamed to one target key stop the copy naming both
/// (the second would silently replace the first). Kept as 64-bit hashes of target names with the first source name (a
/// hash met again is checked by renaming that source key once more), up to a bound; past it, no more names are
/// remembered. A source key listed again (a retry, a resume) is not a collision.
/// </summary>
public sealed class RenameLedger(KeySelection selection, int limit = 2_000_000)
{
    private readonly Dictionary<ulong, byte[]> _first = [];
    private readonly object _lock = new();

    public bool Full { get; private set; }

    /// <summary>Records that <paramref name="source"/> is named <paramref name="target"/>; throws when another key already is.</summary>
    public void Claim(ReadOnlySpan<byte> source, ReadOnlySpan<byte> target)
    {
        var hash = Fnv1a(target);
        lock (_lock)
        {
            if (_first.TryGetValue(hash, out var other))
            {
                if (!other.AsSpan().SequenceEqual(source) && selection.Rename(other) is { } same && same.AsSpan().SequenceEqual(target))
                {
                    throw new CopyException($"keys {KeyText.Printable(other)} and {KeyText.Printable(source)} are both renamed to {KeyText.Printable(target)}: change the --rename rules so each key gets a name of its own");
                }
                return;
            }
            if (_first.Count >= limit)
            {
                Full = true;
                return;
            }
            _first[hash] = source.ToArray();
        }
    }

    private static ulong Fnv1a(ReadOnlySpan<byte> bytes)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }
        return hash;
    }
}
