namespace DistributedCopy.Core.Sources;

/// <summary>
/// Lists a window of slots on one node: counts their keys, lists the small slots, sets the large ones aside for a SCAN.
/// </summary>
internal sealed class SlotWindow(SourceNodes nodes, BatchBuilder output, SlotTracker tracker)
{
    /// <summary>
    /// Counts the keys of <paramref name="window"/> slots on <paramref name="connection"/>'s node, lists the small ones, adds
    /// the large ones to <paramref name="large"/>; returns the slots listed completely (their master, asked on
    /// <paramref name="owner"/>, still serves them stably afterwards), whose listing is then released.
    /// </summary>
    public async Task<List<int>> ListAsync(RespConnection connection, RespConnection owner, List<int> window, List<int> large, CancellationToken cancellationToken)
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
        if (nodes.Options.BeforeListHook is { } hook)
        {
            foreach (var slot in window.Where((_, i) => counts[i] > 0 && counts[i] <= threshold))
            {
                await hook(slot).ConfigureAwait(false);
            }
        }
        writer.Clear();
        for (var i = 0; i < window.Count; i++)
        {
            if (counts[i] > 0 && counts[i] <= threshold)
            {
                // a little headroom for keys written since the count
                writer.Command(4).Bulk("CLUSTER"u8).Bulk("GETKEYSINSLOT"u8).Bulk(window[i]).Bulk(counts[i] + 64);
            }
        }
        await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
        var small = new List<int>();
        var full = new List<(int Slot, long Asked)>();
        for (var i = 0; i < window.Count; i++)
        {
            if (counts[i] > threshold)
            {
                SetAside(large, window[i]);
                continue;
            }
            if (counts[i] > 0)
            {
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                RespConnection.ThrowIfError(connection.Frame);
                if (RespFrame.Array(connection.Frame).Count >= counts[i] + 64)
                {
                    // as many as asked for: the slot may hold more, and Redis lists the newest first, so the oldest would be left out
                    full.Add((window[i], counts[i] + 64));
                    continue;
                }
                output.AddKeys(connection.Frame, window[i], filter: null, tracker);
                await output.DrainAsync(cancellationToken).ConfigureAwait(false);
            }
            small.Add(window[i]);
        }
        foreach (var (slot, asked) in full)
        {
            if (await ListAgainAsync(connection, slot, asked * 2, cancellationToken).ConfigureAwait(false))
            {
                small.Add(slot);
            }
            else
            {
                SetAside(large, slot);
            }
        }
        var listed = await StillOwnedAsync(owner, small).ConfigureAwait(false);
        foreach (var slot in listed)
        {
            tracker.Release(slot);
        }
        return listed;
    }

    /// <summary>
    /// Lists a slot whose reply held all the keys asked for, asking for twice as many each time until a reply holds fewer;
    /// false (the slot left to the SCAN of large slots) once that would ask for more than the large-slot threshold.
    /// </summary>
    private async Task<bool> ListAgainAsync(RespConnection connection, int slot, long asked, CancellationToken cancellationToken)
    {
        var writer = new RespWriter(128);
        for (; asked <= nodes.Options.LargeSlotThreshold; asked *= 2)
        {
            writer.Clear();
            writer.Command(4).Bulk("CLUSTER"u8).Bulk("GETKEYSINSLOT"u8).Bulk(slot).Bulk(asked);
            await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
            await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            RespConnection.ThrowIfError(connection.Frame);
            if (RespFrame.Array(connection.Frame).Count < asked)
            {
                output.AddKeys(connection.Frame, slot, filter: null, tracker);
                await output.DrainAsync(cancellationToken).ConfigureAwait(false);
                return true;
            }
        }
        return false;
    }

    /// <summary>Sets a slot aside for the SCAN once: a retried window must not add it twice (it would be released twice).</summary>
    private static void SetAside(List<int> large, int slot)
    {
        if (!large.Contains(slot))
        {
            large.Add(slot);
        }
    }

    /// <summary>The slots of <paramref name="slots"/> that <paramref name="connection"/>'s node (a master) serves stably now.</summary>
    public static async Task<List<int>> StillOwnedAsync(RespConnection connection, IEnumerable<int> slots)
    {
        var stable = SlotOwnership.StableSlotsOfMyself(await connection.ExecuteStringAsync("CLUSTER", "NODES").ConfigureAwait(false));
        return slots.Where(slot => stable[slot]).ToList();
    }
}
