namespace DistributedCopy.Core.Checkpoints;

/// <summary>
/// Knows when a slot is done: its enumeration holds one reference, every batch holding its keys another; the slot is
/// complete when the count drops to zero. Lock-free, so batches finishing out of order cost nothing. With a ledger, a
/// batch's keys count with their slots until each slot is done.
/// </summary>
internal sealed class SlotTracker(Action<int> completed, CheckpointLedger? ledger = null)
{
    /// <summary>Where the keys of each batch are counted by slot (null: not counted).</summary>
    public CheckpointLedger? Ledger => ledger;

    private readonly int[] _references = new int[HashSlot.Count];

    /// <summary>Enumeration of <paramref name="slot"/> starts.</summary>
    public void Hold(int slot) => Interlocked.Increment(ref _references[slot]);

    /// <summary>A batch now holds keys of <paramref name="slot"/>.</summary>
    public void AddBatch(int slot) => Interlocked.Increment(ref _references[slot]);

    /// <summary>Enumeration of the slot finished, or a batch holding its keys was written.</summary>
    public void Release(int slot)
    {
        if (Interlocked.Decrement(ref _references[slot]) == 0)
        {
            completed(slot);
        }
    }
}
