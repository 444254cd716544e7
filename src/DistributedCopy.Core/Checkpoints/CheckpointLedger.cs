using System.Runtime.InteropServices;

namespace DistributedCopy.Core.Checkpoints;

/// <summary>
/// One lease's checkpoint and the keys it covers, read together by <see cref="Take"/>: the slots done and the position
/// committed, the keys written so far, and of those the keys a resume from that checkpoint writes again (keys of slots not
/// done, keys after the position). One lock for all, so a report never counts a key as settled whose slot or position it
/// does not carry, nor the other way round: counters that stay exact when the lease ends midway and is taken again.
/// A source that lists keys again (a SCAN started over from the start, slots listed once more) moves the keys counted for
/// them to <see cref="CheckpointTaken.Rewritten"/>: the keys written count once, from the listing that finishes.
/// </summary>
/// <param name="before">Keys of the partition counted by earlier leases (settled by their checkpoints): a SCAN that starts
/// over from the start writes them again.</param>
public sealed class CheckpointLedger(KeysWritten before = default)
{
    private readonly Lock _gate = new();
    private readonly List<int> _slotsDone = [];
    private readonly Dictionary<int, KeysWritten> _bySlot = [];
    private readonly Dictionary<int, int> _slotEpoch = [];
    private string? _position;
    private KeysWritten _written = before;
    private KeysWritten _unsettled;
    private KeysWritten _rewritten;

    /// <summary>Every key of <paramref name="slot"/> is written (or compared): the checkpoint may carry it.</summary>
    public void SlotDone(int slot)
    {
        lock (_gate)
        {
            if (_bySlot.Remove(slot, out var keys))
            {
                _unsettled -= keys;
            }
            _slotsDone.Add(slot);
        }
    }

    /// <summary>A position (a SCAN cursor, an offset in a file) from which a resume loses nothing.</summary>
    public void Committed(string position) => Settle(position, default);

    /// <summary>The slots done since the last take, the position last committed, the keys written and those not yet settled.</summary>
    public CheckpointTaken Take()
    {
        lock (_gate)
        {
            var slots = _slotsDone.ToList();
            _slotsDone.Clear();
            return new(slots, _position, _written, _unsettled, _rewritten);
        }
    }

    /// <summary>
    /// The SCAN of the partition starts over from the start (another server process: its cursor means nothing there): every
    /// key counted so far, by this lease or earlier ones, is written again.
    /// </summary>
    internal void Restarted()
    {
        lock (_gate)
        {
            _rewritten += _written;
            _written = default;
            _unsettled = default;
            _bySlot.Clear();
        }
    }

    /// <summary>
    /// <paramref name="slots"/> are listed again from listing <paramref name="epoch"/> on (a retried step): their keys counted so
    /// far, and those of batches of earlier listings still being written, are written again.
    /// </summary>
    internal void Relisted(IEnumerable<int> slots, int epoch)
    {
        lock (_gate)
        {
            foreach (var slot in slots)
            {
                if (_bySlot.Remove(slot, out var keys))
                {
                    _written -= keys;
                    _unsettled -= keys;
                    _rewritten += keys;
                }
                _slotEpoch[slot] = epoch;
            }
        }
    }

    /// <summary>Keys of a listing that was started over, written again.</summary>
    internal void Rewrote(KeysWritten keys)
    {
        lock (_gate)
        {
            _rewritten += keys;
        }
    }

    /// <summary><paramref name="position"/> is committed, and <paramref name="keys"/> written before it are settled with it.</summary>
    internal void Settle(string position, KeysWritten keys)
    {
        lock (_gate)
        {
            _position = position;
            _unsettled -= keys;
        }
    }

    /// <summary>Keys written that a later <see cref="Settle"/> settles.</summary>
    internal void Wrote(KeysWritten keys)
    {
        lock (_gate)
        {
            _written += keys;
            _unsettled += keys;
        }
    }

    /// <summary>A batch of slot-listed keys is written: each key counts with its slot until the slot is done.</summary>
    internal void WroteSlots(KeyBatch batch)
    {
        lock (_gate)
        {
            // one count a run of keys of one slot (keys listed slot by slot come in runs; a SCAN of a node, key by key)
            for (var from = 0; from < batch.Count;)
            {
                var to = from + 1;
                while (to < batch.Count && batch.SourceSlot[to] == batch.SourceSlot[from])
                {
                    to++;
                }
                var keys = KeysWritten.Of(batch, from, to);
                if (batch.Epoch < _slotEpoch.GetValueOrDefault(batch.SourceSlot[from]))
                {
                    // listed before the slot was listed again: the new listing writes and counts these keys
                    _rewritten += keys;
                    from = to;
                    continue;
                }
                ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_bySlot, batch.SourceSlot[from], out _);
                slot += keys;
                _written += keys;
                _unsettled += keys;
                from = to;
            }
        }
    }
}

/// <summary>
/// What <see cref="CheckpointLedger.Take"/> read: slots done since the last take, the last position, keys written (of the
/// listing that counts), keys not settled, and keys written again (moved out of <see cref="Written"/> when their listing
/// was started over, or written by a listing that was).
/// </summary>
public sealed record CheckpointTaken(IReadOnlyList<int> SlotsDone, string? Position, KeysWritten Written, KeysWritten Unsettled, KeysWritten Rewritten);
