namespace DistributedCopy.Core.Sources;

/// <summary>
/// Slots of a cluster planned on one source shard. Per window of slots, pipelined COUNTKEYSINSLOT then GETKEYSINSLOT on the
/// slots' current owners; slots above the threshold are set aside and walked with one SCAN of their node, filtered by slot,
/// so no single call returns a huge slot. A slot counts as listed only when its owner still serves it, not migrating, after
/// the listing (a reshard moves keys one by one); else it is listed again on its new owner after the topology is re-read.
/// </summary>
internal sealed class SlotSource(ClusterView view, IReadOnlyList<int> slots, SlotTracker tracker, CopyOptions options, CopyProgress progress)
    : IKeySource
{
    /// <summary>One source per shard of <paramref name="view"/> that serves some of <paramref name="slots"/> (one for a standalone server).</summary>
    public static IReadOnlyList<IKeySource> ForShards(ClusterView view, IReadOnlyList<SlotRange> slots, SlotTracker tracker, CopyOptions options, CopyProgress progress)
    {
        var all = slots.SelectMany(r => Enumerable.Range(r.Start, r.Count)).ToList();
        if (!view.Topology.IsCluster)
        {
            return [new StandaloneSlotSource(view, all, tracker, options, progress)];
        }
        // a slot served by no master (a failover under way) is a topology change: the caller reads it again and retries
        var byShard = all.GroupBy(slot => view.Topology.ShardOrThrow(slot, "source")).ToList();
        return byShard.Select(group => (IKeySource)new SlotSource(view, group.ToList(), tracker, options, progress)).ToList();
    }

    /// <summary>A batch is written: each slot it holds keys of has one reference less.</summary>
    public static void Release(KeyBatch batch, SlotTracker tracker)
    {
        // counted before a slot can complete, so the slot's keys are settled with it
        tracker.Ledger?.WroteSlots(batch);
        foreach (var slot in batch.Slots)
        {
            tracker.Release(slot);
        }
    }

    public async Task ListAsync(BatchBuilder output, CancellationToken cancellationToken)
    {
        output.TrackSlots = true;
        foreach (var slot in slots)
        {
            tracker.Hold(slot);
        }
        var large = new List<int>();
        await using (var nodes = new SourceNodes(view, options, progress))
        {
            var window = new SlotWindow(nodes, output, tracker);
            for (var offset = 0; offset < slots.Count; offset += options.SlotWindow)
            {
                // slots leave the list as they are listed, so a retried window lists each slot's keys once more at most
                var pending = slots.Skip(offset).Take(options.SlotWindow).ToList();
                var attempt = 0;
                await nodes.RunStepAsync(async () =>
                {
                    if (attempt++ > 0)
                    {
                        // a slot set aside as large by the failed attempt is looked at again with the rest: listed small now, it
                        // must not be scanned again with the large ones
                        large.RemoveAll(pending.Contains);
                        await ListAgainAsync(output, pending, cancellationToken).ConfigureAwait(false);
                    }
                    foreach (var (master, readNode, owned) in ByOwner(pending))
                    {
                        var connection = await nodes.ConnectionAsync(readNode, cancellationToken).ConfigureAwait(false);
                        var owner = await nodes.ConnectionAsync(master, cancellationToken).ConfigureAwait(false);
                        var listed = await window.ListAsync(connection, owner, owned, large, cancellationToken).ConfigureAwait(false);
                        pending.RemoveAll(listed.Contains);
                    }
                    pending.RemoveAll(large.Contains);
                    if (pending.Count > 0)
                    {
                        throw new TopologyChangedException($"source slot {pending[0]} moved or is migrating while it was listed");
                    }
                }, cancellationToken).ConfigureAwait(false);
            }
            if (large.Count > 0)
            {
                // a retried scan starts again from 0: keys met twice are copied twice (idempotent) and counted once, none is missed
                var attempt = 0;
                await nodes.RunStepAsync(async () =>
                {
                    if (attempt++ > 0)
                    {
                        await ListAgainAsync(output, large, cancellationToken).ConfigureAwait(false);
                    }
                    foreach (var (master, readNode, owned) in ByOwner(large))
                    {
                        var connection = await nodes.ConnectionAsync(readNode, cancellationToken).ConfigureAwait(false);
                        await nodes.ScanAsync(connection, "0", output, [.. owned], tracker, reached: null, cancellationToken).ConfigureAwait(false);
                        var listed = await SlotWindow.StillOwnedAsync(await nodes.ConnectionAsync(master, cancellationToken).ConfigureAwait(false), owned).ConfigureAwait(false);
                        foreach (var slot in listed)
                        {
                            tracker.Release(slot);
                        }
                        large.RemoveAll(listed.Contains);
                    }
                    if (large.Count > 0)
                    {
                        throw new TopologyChangedException($"source slot {large[0]} moved or is migrating while it was scanned");
                    }
                }, cancellationToken).ConfigureAwait(false);
            }
        }
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Completed(KeyBatch batch) => Release(batch, tracker);

    /// <summary>A retried step lists <paramref name="again"/> once more: the keys counted for them so far are written again.</summary>
    private async Task ListAgainAsync(BatchBuilder output, List<int> again, CancellationToken cancellationToken)
    {
        var epoch = await output.ListAgainAsync(cancellationToken).ConfigureAwait(false);
        tracker.Ledger?.Relisted(again, epoch);
    }

    /// <summary>The slots grouped by the master that serves them now, with the node they are read from (the master, or its replica).</summary>
    private List<(RedisEndpoint Master, RedisEndpoint ReadNode, List<int> Slots)> ByOwner(List<int> pending)
    {
        var topology = view.Topology;
        var groups = new List<(RedisEndpoint, RedisEndpoint, List<int>)>();
        foreach (var group in pending.GroupBy(slot => topology.ShardOrThrow(slot, "source")))
        {
            groups.Add((topology.Shards[group.Key].Master, topology.Shards[group.Key].ReadNode, group.ToList()));
        }
        return groups;
    }
}
