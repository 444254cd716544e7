using DistributedCopy.Core.Checkpoints;

namespace DistributedCopy.Core.Checkpoints;

/// <summary>
/// For standalone sources: a SCAN cursor may be checkpointed once every batch holding keys returned before it is written.
/// Batches finish out of order; this keeps the highest cursor whose batches are all done. With a ledger, each batch's keys
/// are settled with the cursor that covers them: a batch still open when SCAN returned a cursor holds keys on both sides
/// of it (<see cref="KeyBatch.Covered"/> of them before).
/// </summary>
internal sealed class CursorTracker(Action<string>? committed, CheckpointLedger? ledger = null)
{
    private readonly Lock _gate = new();
    private readonly Queue<(string Cursor, long NeedsSequence, bool Partial)> _cursors = new();
    private readonly SortedSet<long> _doneAhead = [];
    private readonly Dictionary<long, (KeysWritten Head, KeysWritten Tail)> _unsettled = [];
    private long _settleFrom;
    private long _doneThrough = -1;
    private int _epoch;

    /// <summary>
    /// SCAN returned <paramref name="cursor"/>; all its keys are in batches up to <paramref name="needsSequence"/>, which
    /// holds keys after it too when <paramref name="partial"/>.
    /// </summary>
    public void Reached(string cursor, long needsSequence, bool partial = false)
    {
        lock (_gate)
        {
            _cursors.Enqueue((cursor, needsSequence, partial));
        }
        Publish();
    }

    /// <summary>
    /// SCAN starts over from the start in listing <paramref name="epoch"/>: cursors of the earlier listing are never
    /// committed, and its batches' keys are counted as written again.
    /// </summary>
    public void Restart(int epoch)
    {
        lock (_gate)
        {
            _epoch = epoch;
            _cursors.Clear();
            _unsettled.Clear();
            ledger?.Restarted();
        }
    }

    public void BatchDone(KeyBatch batch)
    {
        lock (_gate)
        {
            if (ledger is not null)
            {
                if (batch.Epoch < _epoch)
                {
                    ledger.Rewrote(KeysWritten.Of(batch, 0, batch.Count));
                }
                else
                {
                    var covered = batch.Covered < 0 ? batch.Count : batch.Covered;
                    var head = KeysWritten.Of(batch, 0, covered);
                    var tail = KeysWritten.Of(batch, covered, batch.Count);
                    ledger.Wrote(head + tail);
                    _unsettled[batch.Sequence] = (head, tail);
                }
            }
            _doneAhead.Add(batch.Sequence);
            while (_doneAhead.Count > 0 && _doneAhead.Min == _doneThrough + 1)
            {
                _doneThrough++;
                _doneAhead.Remove(_doneThrough);
            }
        }
        Publish();
    }

    private void Publish()
    {
        // under the lock, so cursors are committed in the order SCAN returned them
        lock (_gate)
        {
            string? latest = null;
            var settled = default(KeysWritten);
            while (_cursors.Count > 0 && _cursors.Peek().NeedsSequence <= _doneThrough)
            {
                var (cursor, needs, partial) = _cursors.Dequeue();
                settled += SettleThrough(needs, partial);
                latest = cursor;
            }
            if (latest is not null)
            {
                committed?.Invoke(latest);
                ledger?.Settle(latest, settled);
            }
        }
    }

    /// <summary>The keys a cursor covers that no earlier cursor did: batches before <paramref name="sequence"/>, and that batch's head or all of it.</summary>
    private KeysWritten SettleThrough(long sequence, bool partial)
    {
        var keys = default(KeysWritten);
        for (; _settleFrom < sequence; _settleFrom++)
        {
            if (_unsettled.Remove(_settleFrom, out var done))
            {
                keys += done.Head + done.Tail;
            }
        }
        if (partial)
        {
            if (_unsettled.TryGetValue(sequence, out var open))
            {
                keys += open.Head;
                _unsettled[sequence] = (default, open.Tail);
            }
        }
        else if (sequence >= _settleFrom)
        {
            if (_unsettled.Remove(sequence, out var done))
            {
                keys += done.Head + done.Tail;
            }
            _settleFrom = sequence + 1;
        }
        return keys;
    }
}
