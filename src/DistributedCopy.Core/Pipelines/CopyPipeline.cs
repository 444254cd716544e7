namespace DistributedCopy.Core.Pipelines;

/// <summary>
/// One copy pipeline: reads a batch's values (DUMP and expiry, pipelined per source master) and hands them to a writer.
/// Connection failures and redirects re-read the topology and retry the batch; keys already written are not written again.
/// A source whose batches come with their values (a file) passes no reader.
/// </summary>
internal sealed class CopyPipeline(DumpReader? reader, IBatchWriter writer, CopyOptions options, CopyProgress progress, PayloadEstimate estimate, ByteBudget budget)
    : IBatchProcessor
{
    private readonly ShardConnections[] _sides = reader is null ? [.. writer.Connections] : [reader.Connections, .. writer.Connections];

    /// <summary>
    /// Copies the batch in reads of about <see cref="CopyOptions.MaxBatchBytes"/> (sized by the engine's estimate of bytes
    /// per key), each within the engine's <see cref="ByteBudget"/>, so big values never pile up in memory.
    /// </summary>
    public async Task ProcessAsync(KeyBatch batch, CancellationToken cancellationToken)
    {
        for (var from = 0; from < batch.Count;)
        {
            // payloads that came with the keys (a file) are in memory already: the batch is written whole
            var to = reader is null ? batch.Count : from + estimate.KeysFor(batch.Count - from, options.MaxBatchBytes);
            var reserved = reader is null ? batch.Dumps.PayloadBytes : estimate.BytesFor(to - from);
            await budget.AcquireAsync(reserved, cancellationToken).ConfigureAwait(false);
            try
            {
                await CopyRangeAsync(batch, from, to, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                budget.Release(reserved);
            }
            from = to;
        }
        Commit(batch);
    }

    private async Task CopyRangeAsync(KeyBatch batch, int from, int to, CancellationToken cancellationToken)
    {
        var read = false;
        await Retry.RunAsync(options, progress, _sides, async attempt =>
        {
            if (!read && reader is not null)
            {
                if (options.BeforeReadHook is { } hook)
                {
                    await hook(Enumerable.Range(from, to - from).Select(i => batch.Key(i).ToArray()).ToList()).ConfigureAwait(false);
                }
                await reader.ReadAsync(batch, from, to, batch.Dumps, cancellationToken).ConfigureAwait(false);
                estimate.Observe(batch.Dumps.PayloadBytes, to - from);
                read = true;
            }
            options.Fence?.Check();
            await writer.WriteAsync(batch, from, to, retried: attempt > 0, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (reader is not null)
        {
            await reader.DisposeAsync().ConfigureAwait(false);
        }
        await writer.DisposeAsync().ConfigureAwait(false);
    }

    private void Commit(KeyBatch batch)
    {
        long copied = 0, bytes = 0, skipped = 0, vanished = 0, excluded = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            switch (batch.State[i])
            {
                case KeyState.Copied:
                    copied++;
                    bytes += batch.PayloadLength[i];
                    break;
                case KeyState.Skipped:
                    skipped++;
                    break;
                case KeyState.Vanished:
                    vanished++;
                    break;
                case KeyState.Excluded:
                    excluded++;
                    break;
            }
        }
        progress.AddBatch(copied, bytes, skipped, vanished);
        progress.AddExcluded(excluded);
    }
}
