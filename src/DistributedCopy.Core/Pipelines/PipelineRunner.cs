using System.Threading.Channels;

namespace DistributedCopy.Core.Pipelines;

/// <summary>
/// Runs key sources into pipelines: each source fills its own bounded channel of batches and several pipelines drain it, so
/// memory stays bounded by channel and pipeline count times batch size, and round trips overlap. A batch's source hears when
/// it is done (its checkpoint moves); the first failure cancels the rest and is the one thrown.
/// </summary>
internal sealed class PipelineRunner(CopyOptions options, CopyProgress progress)
{
    /// <summary>The rate limit of this runner's batches: the caller's, or one of <see cref="CopyOptions.MaxKeysPerSecond"/>.</summary>
    private readonly Func<int, CancellationToken, ValueTask>? _throttle = options.Throttle ?? (options.MaxKeysPerSecond > 0 ? new RateLimiter(options.MaxKeysPerSecond).TakeAsync : null);

    private readonly BatchPool _pool = new(options.BatchSize);
    private RenameLedger? _renamed;

    /// <summary>Runs the sources; their keys go through <paramref name="selection"/> (filters, renames) when given.</summary>
    /// <paramref name="release"/> (when given) takes back each pipeline that ended cleanly, to be used again; others are disposed.
    public async Task RunAsync(IReadOnlyList<IKeySource> sources, Func<IBatchProcessor> processor, CancellationToken cancellationToken, KeySelection? selection = null,
        Func<IBatchProcessor, ValueTask>? release = null)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new List<Task>();
        foreach (var source in sources)
        {
            var channel = Channel.CreateBounded<KeyBatch>(new BoundedChannelOptions(options.PipelinesPerShard) { SingleWriter = true });
            var builder = new BatchBuilder(_pool, channel.Writer) { Selection = selection, Progress = progress, Renamed = selection is { Renames.Count: > 0 } ? _renamed ??= new RenameLedger(selection) : null };
            tasks.Add(GuardAsync(async () =>
            {
                try
                {
                    await source.ListAsync(builder, failed.Token).ConfigureAwait(false);
                }
                finally
                {
                    channel.Writer.TryComplete();
                }
            }, failed));
            for (var p = 0; p < options.PipelinesPerShard; p++)
            {
                tasks.Add(GuardAsync(() => PipelineAsync(channel.Reader, source, processor, release, failed.Token), failed));
            }
        }
        var all = Task.WhenAll(tasks);
        try
        {
            await all.ConfigureAwait(false);
        }
        catch
        {
            // the first real failure, not the cancellations it caused
            var errors = all.Exception?.InnerExceptions ?? [];
            var first = errors.FirstOrDefault(e => e is not OperationCanceledException) ?? errors.FirstOrDefault();
            if (first is not null && first is not OperationCanceledException)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            }
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
    }

    private async Task PipelineAsync(ChannelReader<KeyBatch> batches, IKeySource source, Func<IBatchProcessor> processor, Func<IBatchProcessor, ValueTask>? release,
        CancellationToken cancellationToken)
    {
        IBatchProcessor? pipeline = null;
        var clean = false;
        try
        {
            await foreach (var batch in batches.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                pipeline ??= processor();
                if (_throttle is { } throttle)
                {
                    await throttle(batch.Count, cancellationToken).ConfigureAwait(false);
                }
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                using (var span = Instruments.Source.StartActivity("batch"))
                {
                    span?.SetTag("distributedcopy.keys", batch.Count);
                    await pipeline.ProcessAsync(batch, cancellationToken).ConfigureAwait(false);
                }
                Instruments.BatchDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                source.Completed(batch);
                _pool.Return(batch);
            }
            clean = true;
        }
        finally
        {
            if (pipeline is not null && clean && release is not null)
            {
                await release(pipeline).ConfigureAwait(false);
            }
            else if (pipeline is not null)
            {
                await pipeline.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task GuardAsync(Func<Task> work, CancellationTokenSource failed)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            progress.AddError(ex);
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }
}
