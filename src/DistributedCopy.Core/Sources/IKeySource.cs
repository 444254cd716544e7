namespace DistributedCopy.Core.Sources;

/// <summary>
/// Where keys come from: lists them into batches for the pipelines, and moves its checkpoint (slots done, a SCAN position)
/// as batches are written. A new kind of source (a file, a notification stream) is one more implementation that the engine
/// runs like the others: one channel, its own pipelines.
/// </summary>
internal interface IKeySource
{
    /// <summary>Lists every key into <paramref name="output"/>; returns once the last batch is handed over.</summary>
    Task ListAsync(BatchBuilder output, CancellationToken cancellationToken);

    /// <summary>Every key of <paramref name="batch"/> is written (copied, skipped or gone): the checkpoint may move past it.</summary>
    void Completed(KeyBatch batch);
}
