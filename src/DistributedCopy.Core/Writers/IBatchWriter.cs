namespace DistributedCopy.Core.Writers;

/// <summary>
/// The write half of a copy pipeline: takes a batch whose values are read and writes them. A new way of writing (by type,
/// in chunks, into a file) is one more implementation that <see cref="CopyPipeline"/> drives like the others.
/// </summary>
internal interface IBatchWriter : IAsyncDisposable
{
    /// <summary>The connections the retry policy closes and brings up to the current topology after a transient error.</summary>
    IReadOnlyList<ShardConnections> Connections { get; }

    /// <summary>
    /// Writes keys <paramref name="from"/> to <paramref name="to"/> (exclusive) that are still Pending, and marks each Copied,
    /// Skipped or Vanished; <paramref name="retried"/>: an earlier attempt may have written some of them already.
    /// </summary>
    Task WriteAsync(KeyBatch batch, int from, int to, bool retried, CancellationToken cancellationToken);
}
