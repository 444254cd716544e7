namespace DistributedCopy.Core.Batches;

/// <summary>
/// The engine's running estimate of DUMP payload bytes per key, shared by its pipelines, to size reads by bytes as well
/// as by keys. Before anything is read it knows nothing, so the first read of each pipeline takes one key.
/// </summary>
internal sealed class PayloadEstimate
{
    private long _bytes;
    private long _keys;

    /// <summary>Keys to read next (1 to <paramref name="remaining"/>) so that about <paramref name="maxBytes"/> are held.</summary>
    public int KeysFor(int remaining, long maxBytes)
    {
        var keys = Interlocked.Read(ref _keys);
        if (keys == 0)
        {
            return 1;
        }
        var perKey = Math.Max(1, Interlocked.Read(ref _bytes) / keys);
        return (int)Math.Clamp(maxBytes / perKey, 1, remaining);
    }

    /// <summary>Bytes that <paramref name="keys"/> keys are expected to take.</summary>
    public long BytesFor(int keys)
    {
        var seen = Interlocked.Read(ref _keys);
        return seen == 0 ? 64 * 1024 : keys * Math.Max(1, Interlocked.Read(ref _bytes) / seen);
    }

    public void Observe(long bytes, int keys)
    {
        // recent reads weigh more: halve the history once it is large, so a change in value sizes shows within a few batches
        if (Interlocked.Add(ref _keys, keys) > 100_000)
        {
            Interlocked.Exchange(ref _keys, Interlocked.Read(ref _keys) / 2);
            Interlocked.Exchange(ref _bytes, Interlocked.Read(ref _bytes) / 2);
        }
        Interlocked.Add(ref _bytes, bytes);
    }
}
