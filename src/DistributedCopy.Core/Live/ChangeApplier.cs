namespace DistributedCopy.Core.Live;

/// <summary>
/// Applies changed keys: each re-read from the source (DUMP and absolute expiry) and written through the copy's own pipeline
/// (RESTORE REPLACE, by type or in chunks as the target needs), then deleted on the target where the source no longer has it.
/// Re-reading makes the order of changes irrelevant: whatever is applied is at least as new as the change that marked it.
/// </summary>
internal sealed class ChangeApplier(CopyPipeline pipeline, ClusterView target, CopyOptions options, CopyProgress progress) : IAsyncDisposable
{
    private readonly ShardConnections _target = new(target);
    private readonly KeyBatch _batch = new(options.BatchSize);

    public int Capacity => _batch.Capacity;

    /// <summary>Applies the keys; returns how many were written and how many deleted.</summary>
    public async Task<(int Written, int Deleted)> ApplyAsync(IReadOnlyList<byte[]> keys, CancellationToken cancellationToken)
    {
        _batch.Reset();
        foreach (var key in keys)
        {
            _batch.Add(key, HashSlot.Of(key));
        }
        await pipeline.ProcessAsync(_batch, cancellationToken).ConfigureAwait(false);
        var gone = Enumerable.Range(0, _batch.Count).Where(i => _batch.State[i] == KeyState.Vanished).ToList();
        if (gone.Count > 0)
        {
            await Retry.RunAsync(options, progress, [_target], () => DeleteAsync(gone, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        return (_batch.Count - gone.Count, gone.Count);
    }

    public async ValueTask DisposeAsync()
    {
        await pipeline.DisposeAsync().ConfigureAwait(false);
        await _target.DisposeAsync().ConfigureAwait(false);
    }

    private async Task DeleteAsync(List<int> gone, CancellationToken cancellationToken)
    {
        options.Fence?.Check();
        var route = new int[_batch.Count];
        foreach (var i in gone)
        {
            route[i] = _target.Topology.ShardOrThrow(_batch.TargetSlot[i], "target");
            _target.Writer(route[i]).Command(2).Bulk("DEL"u8).Bulk(_batch.TargetKey(i));
        }
        var set = gone.ToHashSet();
        var error = await _target.SendAndReadEachAsync(route, 0, _batch.Count, set.Contains, (_, _) => { }, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            throw ServerErrors.Classify(error, "target");
        }
        // a delete counts once a replica holds it, as a write does
        await _target.AcknowledgedAsync(gone.Select(i => route[i]), options, cancellationToken).ConfigureAwait(false);
    }
}
