using System.Collections.Concurrent;

namespace DistributedCopy.Core.Batches;

/// <summary>Reuses batches and their buffers; the number alive is bounded by the channels and pipelines that hold them.</summary>
internal sealed class BatchPool(int batchSize)
{
    private readonly ConcurrentBag<KeyBatch> _free = [];

    public KeyBatch Rent(bool trackSlots)
    {
        var batch = _free.TryTake(out var free) ? free : new KeyBatch(batchSize);
        batch.TrackSlots = trackSlots;
        return batch;
    }

    public void Return(KeyBatch batch)
    {
        batch.Reset();
        _free.Add(batch);
    }
}
