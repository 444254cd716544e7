using System.Buffers;

namespace DistributedCopy.Core.Resp;

/// <summary>
/// Growth and release of the copy path's reused buffers. Beyond 1 MB (big values) they come from a pool of this process's
/// own and go back to it when the big value is done, so a stream of big values reuses a few arrays instead of filling the
/// large-object heap with garbage, and a buffer does not keep a big value's size for the rest of the copy. The pool keeps
/// at most a few arrays of each size (the shared pool would keep some per thread and per core: hundreds of MB of 8 MB
/// arrays), so what it holds between big values stays small.
/// </summary>
internal static class LargeBuffers
{
    public const int Threshold = 1024 * 1024;

    private static readonly ArrayPool<byte> _pool = ArrayPool<byte>.Create(maxArrayLength: 256 * 1024 * 1024, maxArraysPerBucket: 4);

    /// <summary>Replaces <paramref name="buffer"/> with one of at least <paramref name="needed"/> bytes, keeping its first <paramref name="used"/>.</summary>
    public static void Grow(ref byte[] buffer, int used, int needed)
    {
        var size = Math.Max(buffer.Length * 2, needed);
        var grown = size > Threshold ? _pool.Rent(size) : new byte[size];
        buffer.AsSpan(0, used).CopyTo(grown);
        Release(buffer);
        buffer = grown;
    }

    /// <summary>Gives a large buffer back to the pool and puts <paramref name="small"/> in its place; a small one stays.</summary>
    public static void Shrink(ref byte[] buffer, byte[] small)
    {
        if (buffer.Length > Threshold)
        {
            Release(buffer);
            buffer = small;
        }
    }

    private static void Release(byte[] buffer)
    {
        // only pool-sized arrays (every large one here came from Rent, whose sizes are powers of two)
        if (buffer.Length > Threshold && System.Numerics.BitOperations.IsPow2(buffer.Length))
        {
            _pool.Return(buffer);
        }
    }
}
