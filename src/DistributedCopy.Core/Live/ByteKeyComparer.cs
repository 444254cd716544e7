namespace DistributedCopy.Core.Live;

/// <summary>Keys as byte arrays compared by content (binary-safe).</summary>
internal sealed class ByteKeyComparer : IEqualityComparer<byte[]>
{
    public static readonly ByteKeyComparer Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x is not null && y is not null ? x.AsSpan().SequenceEqual(y) : x is null && y is null;

    public int GetHashCode(byte[] obj)
    {
        var hash = new HashCode();
        hash.AddBytes(obj);
        return hash.ToHashCode();
    }
}
