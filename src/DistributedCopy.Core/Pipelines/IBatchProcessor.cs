namespace DistributedCopy.Core.Pipelines;

/// <summary>A pipeline's work on one batch: copy it, or verify it.</summary>
internal interface IBatchProcessor : IAsyncDisposable
{
    Task ProcessAsync(KeyBatch batch, CancellationToken cancellationToken);
}
