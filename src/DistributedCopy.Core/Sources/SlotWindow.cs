namespace DistributedCopy.Core.Sources;

/// <summary>
/// Lists a window of slots on one node: counts their keys, lists the small slots, sets the large ones aside for a SCAN.
/// </summary>
internal sealed class SlotWindow(SourceNodes nodes, BatchBuilder output, SlotTracker tracker)
{
    /// <summary>
    /// Counts the keys of <paramref name="window"/> slots, lists the small ones, adds the large ones to <paramref name="large"/>;
    /// returns the slots listed completely (their node still serves them stably afterwards), whose listing is then released.
    /// </summary>
    public async Task<List<int>> ListAsync(RespConnection connection, List<int> window, List<int> large, CancellationToken cancellationToken)
    {
        var threshold = nodes.Options.LargeSlotThreshold;
        var writer = new RespWriter();
        foreach (var slot in window)
        {
            writer.Command(3).Bulk("CLUSTER"u8).Bulk("COUNTKEYSINSLOT"u8).Bulk(slot);
        }
        await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
        var counts = new long[window.Count];
        for (var i = 0; i < window.Count; i++)
        {
            await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            RespConnection.ThrowIfError(connection.Frame);
            counts[i] = RespFrame.Integer(connection.Frame);
        }
        writer.Clear();
        for (var i = 0; i < window.Count; i++)
        {
            if (counts[i] > 0 && counts[i] <= threshold)
            {
                // a little headroom for keys written since the count; a slot never returns more than it holds
                writer.Command(4).Bulk("CLUSTER"u8).Bulk("GETKEYSINSLOT"u8).Bulk(window[i]).Bulk(counts[i] + 64);
            }
        }
        await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
        var small = new List<int>();
        for (var i = 0; i < window.Count; i++)
        {
            if (counts[i] > threshold)
            {
                large.Add(window[i]);
                continue;
            }
            if (counts[i] > 0)
            {
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                RespConnection.ThrowIfError(connection.Frame);
                output.AddKeys(connection.Frame, window[i], filter: null, tracker);
                await output.DrainAsync(cancellationToken).ConfigureAwait(false);
            }
            small.Add(window[i]);
        }
        var listed = await StillOwnedAsync(connection, small).ConfigureAwait(false);
        foreach (var slot in listed)
        {
            tracker.Release(slot);
        }
        return listed;
    }

    /// <summary>The slots of <paramref name="slots"/> that <paramref name="connection"/>'s node serves stably now.</summary>
    public static async Task<List<int>> StillOwnedAsync(RespConnection connection, IEnumerable<int> slots)
    {
        var stable = SlotOwnership.StableSlotsOfMyself(await connection.ExecuteStringAsync("CLUSTER", "NODES").ConfigureAwait(false));
        return slots.Where(slot => stable[slot]).ToList();
    }
}
