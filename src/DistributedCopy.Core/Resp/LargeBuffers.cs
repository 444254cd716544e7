using System.Buffers;

namespace DistributedCopy.Core.Resp;

/// <summary>
/// Growth and release of the copy path's reused buffers. Beyond 1 MB (big values) they come from a pool of this process's
/// own and go back to it when the big value is done, so a stream of big values reuses a few arrays instead of filling the
/// large-object heap with garbage, and a buffer does not keep a big value's size for the rest of the copy. The pool keeps
/// at most a few arrays of each size (the shared pool would keep some per thread and per core: hundreds of MB of 8 MB
/// arrays), so what it holds between big values stays small. From 64 KB (a batch's worth, bound for the large-object heap,
/// which only a full collection frees) they come from a second pool of many arrays: a pipeline of a copy between many
/// shards gives back the buffers of a shard it moved away from (<see cref="Reset"/>), and the next shard's take them.
/// </summary>
internal static class LargeBuffers
{
    public const int Threshold = 1024 * 1024;

    private static readonly ArrayPool<byte> _pool = ArrayPool<byte>.Create(maxArrayLength: 256 * 1024 * 1024, maxArraysPerBucket: 4);

    /// <summary>Buffers from this size up are rented (below it they are small objects, and cheap garbage).</summary>
    public const int PooledFrom = 64 * 1024;

    private static readonly ArrayPool<byte> _batches = ArrayPool<byte>.Create(maxArrayLength: Threshold, maxArraysPerBucket: 64);

    /// <summary>The arrays rented here and not yet returned: only those go back, once (an owner's own initial array never does).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<byte[], object> _rented = new();

    /// <summary>Replaces <paramref name="buffer"/> with one of at least <paramref name="needed"/> bytes, keeping its first <paramref name="used"/>.</summary>
    public static void Grow(ref byte[] buffer, int used, int needed)
    {
        var size = Math.Max(buffer.Length * 2, needed);
        var grown = size >= PooledFrom ? Rent(size) : new byte[size];
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

    /// <summary>Puts <paramref name="initial"/> back in place of a buffer that grew, whatever its size (a rented one goes back to the pool).</summary>
    public static void Reset(ref byte[] buffer, byte[] initial)
    {
        if (!ReferenceEquals(buffer, initial))
        {
            Release(buffer);
            buffer = initial;
        }
    }

    private static byte[] Rent(int size)
    {
        var array = (size > Threshold ? _pool : _batches).Rent(size);
        _rented.AddOrUpdate(array, _rented);
        return array;
    }

    private static void Release(byte[] buffer)
    {
        // an array not rented here (a big initial buffer of its owner's), or returned already, must not enter the pool:
        // two owners would then write the same memory
        if (_rented.Remove(buffer))
        {
            (buffer.Length > Threshold ? _pool : _batches).Return(buffer);
        }
    }
}
