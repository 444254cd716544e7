namespace DistributedCopy.Core.Sources;

/// <summary>
/// Slots of a standalone server, which has no per-slot commands: one SCAN of it, keeping the keys of the slots asked for.
/// Each slot is complete once the scan is over and every batch holding its keys is written.
/// </summary>
internal sealed class StandaloneSlotSource(ClusterView view, IReadOnlyList<int> slots, SlotTracker tracker, CopyOptions options, CopyProgress progress)
    : IKeySource
{
    public async Task ListAsync(BatchBuilder output, CancellationToken cancellationToken)
    {
        output.TrackSlots = true;
        foreach (var slot in slots)
        {
            tracker.Hold(slot);
        }
        await using (var nodes = new SourceNodes(view, options, progress))
        {
            // a retried scan starts again from 0: keys met twice are copied twice (idempotent) and counted once, none is missed
            var attempt = 0;
            await nodes.RunStepAsync(async () =>
            {
                if (attempt++ > 0)
                {
                    tracker.Ledger?.Relisted(slots, await output.ListAgainAsync(cancellationToken).ConfigureAwait(false));
                }
                var connection = await nodes.ConnectionAsync(view.Topology.Shards[0].ReadNode, cancellationToken).ConfigureAwait(false);
                await nodes.ScanAsync(connection, ScanPosition.Start, output, [.. slots], tracker, reached: null, cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        foreach (var slot in slots)
        {
            tracker.Release(slot);
        }
    }

    public void Completed(KeyBatch batch) => SlotSource.Release(batch, tracker);
}
