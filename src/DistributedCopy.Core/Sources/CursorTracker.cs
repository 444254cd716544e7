namespace DistributedCopy.Core.Sources;

/// <summary>
/// For standalone sources: a SCAN cursor may be checkpointed once every batch holding keys returned before it is written.
/// Batches finish out of order; this keeps the highest cursor whose batches are all done.
/// </summary>
internal sealed class CursorTracker(Action<string> committed)
{
    private readonly Lock _gate = new();
    private readonly Queue<(string Cursor, long NeedsSequence)> _cursors = new();
    private readonly SortedSet<long> _doneAhead = [];
    private long _doneThrough = -1;

    /// <summary>SCAN returned <paramref name="cursor"/>; all its keys are in batches up to <paramref name="needsSequence"/>.</summary>
    public void Reached(string cursor, long needsSequence)
    {
        lock (_gate)
        {
            _cursors.Enqueue((cursor, needsSequence));
        }
        Publish();
    }

    public void BatchDone(long sequence)
    {
        lock (_gate)
        {
            _doneAhead.Add(sequence);
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
            while (_cursors.Count > 0 && _cursors.Peek().NeedsSequence <= _doneThrough)
            {
                latest = _cursors.Dequeue().Cursor;
            }
            if (latest is not null)
            {
                committed(latest);
            }
        }
    }
}
