namespace DistributedCopy.Core.Batches;

/// <summary>
/// Bounds the payload bytes all pipelines of an engine hold at once. A pipeline asks for its next read's estimated size
/// before it reads and gives it back after the write; requests are served in order (a large one is not starved by small
/// ones), and one request is always let through alone, however large, so a key bigger than the budget still moves.
/// </summary>
internal sealed class ByteBudget(long limit)
{
    private readonly Lock _gate = new();
    private readonly Queue<(long Bytes, TaskCompletionSource Granted)> _waiting = new();
    private long _inUse;

    public ValueTask AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        TaskCompletionSource granted;
        lock (_gate)
        {
            if (_waiting.Count == 0 && (_inUse == 0 || _inUse + bytes <= limit))
            {
                _inUse += bytes;
                return ValueTask.CompletedTask;
            }
            granted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue((bytes, granted));
        }
        return new ValueTask(WaitAsync(granted, cancellationToken));
    }

    public void Release(long bytes)
    {
        lock (_gate)
        {
            _inUse -= bytes;
            while (_waiting.Count > 0 && (_inUse == 0 || _inUse + _waiting.Peek().Bytes <= limit))
            {
                var (next, granted) = _waiting.Dequeue();
                if (granted.TrySetResult())
                {
                    _inUse += next;
                }
            }
        }
    }

    private static async Task WaitAsync(TaskCompletionSource granted, CancellationToken cancellationToken)
    {
        // a cancelled request holds nothing: its turn in the queue is skipped, since TrySetResult fails on it
        await using (cancellationToken.Register(() => granted.TrySetCanceled(cancellationToken)))
        {
            await granted.Task.ConfigureAwait(false);
        }
    }
}
