namespace DistributedCopy.Core.Checkpoints;

/// <summary>Keys a copy is done with, by how each ended: written, left alone because the target had it, or gone from the source.</summary>
public readonly record struct KeysWritten(long Copied, long Skipped, long Vanished)
{
    public static KeysWritten operator +(KeysWritten a, KeysWritten b) => new(a.Copied + b.Copied, a.Skipped + b.Skipped, a.Vanished + b.Vanished);

    public static KeysWritten operator -(KeysWritten a, KeysWritten b) => new(a.Copied - b.Copied, a.Skipped - b.Skipped, a.Vanished - b.Vanished);

    /// <summary>Keys <paramref name="from"/> to <paramref name="to"/> of a batch that is done.</summary>
    internal static KeysWritten Of(KeyBatch batch, int from, int to)
    {
        long copied = 0, skipped = 0, vanished = 0;
        for (var i = from; i < to; i++)
        {
            switch (batch.State[i])
            {
                case KeyState.Copied:
                    copied++;
                    break;
                case KeyState.Skipped:
                    skipped++;
                    break;
                case KeyState.Vanished:
                    vanished++;
                    break;
            }
        }
        return new(copied, skipped, vanished);
    }
}
