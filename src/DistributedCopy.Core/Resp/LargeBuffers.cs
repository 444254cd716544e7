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

    /// <summary>The arrays rented here and not yet returned: only those go back, once (an owner's own initial array never does).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<byte[], object> _rented = new();

    /// <summary>Replaces <paramref name="buffer"/> with one of at least <paramref name="needed"/> bytes, keeping its first <paramref name="used"/>.</summary>
    public static void Grow(ref byte[] buffer, int used, int needed)
    {
        var size = Math.Max(buffer.Length * 2, needed);
        var grown = size > Threshold ? Rent(size) : new byte[size];
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

    private static byte[] Rent(int size)
    {
        var array = _pool.Rent(size);
        _rented.AddOrUpdate(array, _rented);
        return array;
    }

    private static void Release(byte[] buffer)
    {
        // an array not rented here (a big initial buffer of its owner's), or returned already, must not enter the pool:
        // two owners would then write the same memory
        if (_rented.Remove(buffer))
        {
            _pool.Return(buffer);
        }
    }
}
