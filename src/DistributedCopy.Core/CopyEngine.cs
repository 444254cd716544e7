using System.Globalization;
using System.Threading.Channels;

namespace DistributedCopy.Core;

/// <summary>
/// Copies keys from a source deployment to a target one. For each source shard an enumerator feeds a bounded channel of
/// key batches and several pipelines drain it (DUMP+PTTL, then RESTORE to the owning target masters), so memory stays
/// bounded by channel and pipeline count times batch size, and round trips overlap.
/// </summary>
public sealed class CopyEngine : IAsyncDisposable
{
    private readonly CopyOptions _options;
    private readonly BatchPool _pool;
    private readonly PayloadEstimate _estimate = new();
    private readonly ByteBudget _budget;
    private readonly Dictionary<int, ClusterView> _databaseViews = [];
    private readonly SemaphoreSlim _viewsGate = new(1, 1);
    private (VerifyResult Result, long TtlToleranceMs)? _verify;

    private CopyEngine(ClusterView source, ClusterView target, CopyOptions options)
    {
        Source = source;
        Target = target;
        _options = options;
        _pool = new BatchPool(options.BatchSize);
        _budget = new ByteBudget(options.MaxBytesInFlight);
    }

    public ClusterView Source { get; }

    public ClusterView Target { get; }

    public CopyProgress Progress { get; } = new();

    /// <summary>Set by <see cref="OpenVerifierAsync"/>: this engine compares instead of copying.</summary>
    public VerifyResult? Verification => _verify?.Result;

    public static async Task<CopyEngine> OpenAsync(RedisEndpoint source, RedisEndpoint target, CopyOptions options, CancellationToken cancellationToken = default)
    {
        options.Validate();
        ClusterView? sourceView = null, targetView = null;
        // a node that does not answer for a moment (a failover, a restart) is retried like any other transient error
        await Retry.RunAsync(options, new CopyProgress(), async _ =>
        {
            sourceView ??= await ClusterView.OpenAsync(source, options.AddressMap, cancellationToken).ConfigureAwait(false);
            targetView ??= await ClusterView.OpenAsync(target, options.AddressMap, cancellationToken).ConfigureAwait(false);
        }, () => Task.CompletedTask, [], cancellationToken).ConfigureAwait(false);
        return new CopyEngine(sourceView!, targetView!, options);
    }

    /// <summary>
    /// An engine whose Copy* methods compare instead of copy: every source key's payload, type, value and TTL against the
    /// target's, counted in <see cref="Verification"/>. Nothing is written to either side.
    /// </summary>
    public static async Task<CopyEngine> OpenVerifierAsync(RedisEndpoint source, RedisEndpoint target, CopyOptions options, long ttlToleranceMs, int maxExamples = 10, CancellationToken cancellationToken = default)
    {
        var engine = await OpenAsync(source, target, options, cancellationToken).ConfigureAwait(false);
        engine._verify = (new VerifyResult(maxExamples), ttlToleranceMs);
        engine.Progress.CountsCopies = false;
        return engine;
    }

    /// <summary>Databases of a standalone source that hold keys (from INFO keyspace); [0] for a cluster.</summary>
    public async Task<IReadOnlyList<int>> SourceDatabasesAsync(CancellationToken cancellationToken = default)
    {
        if (Source.Topology.IsCluster)
        {
            return [0];
        }
        return (await Topology.DatabasesAsync(Source.Seed, cancellationToken).ConfigureAwait(false)).Select(d => d.Database).ToList();
    }

    /// <summary>Copies everything: every slot of a cluster source, or every database of a standalone one that holds keys.</summary>
    public async Task CopyAllAsync(CancellationToken cancellationToken = default)
    {
        if (Source.Topology.IsCluster)
        {
            await CopySlotsAsync([new SlotRange(0, HashSlot.Count - 1)], null, cancellationToken).ConfigureAwait(false);
            return;
        }
        var databases = Source.Seed.NamesDatabase ? [Source.Seed.Database] : await SourceDatabasesAsync(cancellationToken).ConfigureAwait(false);
        if (Target.Topology.IsCluster && databases.Any(d => d != 0))
        {
            throw new CopyException($"the source holds keys in databases {string.Join(", ", databases)}, but a cluster target has only database 0: copy one database at a time");
        }
        foreach (var database in databases)
        {
            await CopyDatabaseAsync(database, "0", null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Copies the keys of <paramref name="slots"/> from a cluster source. <paramref name="slotCompleted"/> is called (from any
    /// thread) once per slot whose keys are all written; a slot of a batch that failed is never reported.
    /// </summary>
    public async Task CopySlotsAsync(IReadOnlyList<SlotRange> slots, Action<int>? slotCompleted, CancellationToken cancellationToken = default)
    {
        var tracker = new SlotTracker(slot =>
        {
            Progress.AddSlotCompleted();
            slotCompleted?.Invoke(slot);
        });
        // a verify reports a slot done only after its second pass (keys on the target only) has been through it too
        var firstPass = _verify is null ? tracker : new SlotTracker(_ => { });
        await RunAsync(BySlots(Source.Topology, slots, firstPass), Source, Target, batch => ReleaseSlots(batch, firstPass), cancellationToken).ConfigureAwait(false);
        if (_verify is { } verify)
        {
            await RunAsync(BySlots(Target.Topology, slots, tracker), Target, () => new ExtraKeyFinder(Source, _options, Progress, verify.Result),
                batch => ReleaseSlots(batch, tracker), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One enumeration per shard of <paramref name="topology"/> that serves some of <paramref name="slots"/>.</summary>
    private static List<Func<KeyEnumerator, CancellationToken, Task>> BySlots(Topology topology, IReadOnlyList<SlotRange> slots, SlotTracker tracker)
    {
        var byShard = slots.SelectMany(r => Enumerable.Range(r.Start, r.Count)).GroupBy(topology.ShardFor).ToList();
        if (byShard.Any(g => g.Key < 0))
        {
            throw new CopyException("some of the slots are served by no master (cluster_state is not ok)");
        }
        return byShard.Select(group => (Func<KeyEnumerator, CancellationToken, Task>)((enumerator, ct) =>
            enumerator.EnumerateSlotsAsync(group.Key, group.ToList(), tracker, ct))).ToList();
    }

    private static void ReleaseSlots(KeyBatch batch, SlotTracker tracker)
    {
        foreach (var slot in batch.Slots)
        {
            tracker.Release(slot);
        }
    }

    /// <summary>
    /// Copies one database of a standalone source, walking it with SCAN from <paramref name="cursor"/> ("0" for the start).
    /// <paramref name="cursorCommitted"/> gets, in order, cursors from which a resumed copy loses nothing; "0" last.
    /// Keys go to the same database of a standalone target (or to the one its endpoint names), or to a cluster target.
    /// </summary>
    public async Task CopyDatabaseAsync(int database, string cursor, Action<string>? cursorCommitted, CancellationToken cancellationToken = default)
    {
        if (Source.Topology.IsCluster)
        {
            throw new CopyException("the source is a cluster: copy it by slots");
        }
        var source = await ViewForDatabaseAsync(Source, database, cancellationToken).ConfigureAwait(false);
        // a standalone target takes each database into the same one, unless its endpoint names one database for all
        var target = Target.Topology.IsCluster ? Target
            : await ViewForDatabaseAsync(Target, Target.Seed.NamesDatabase ? Target.Seed.Database : database, cancellationToken).ConfigureAwait(false);
        var cursors = new CursorTracker(c => cursorCommitted?.Invoke(c));
        await RunAsync([(enumerator, ct) => enumerator.EnumerateDatabaseAsync(database, cursor, cursors, ct)], source, target,
            batch => cursors.BatchDone(batch.Sequence), cancellationToken).ConfigureAwait(false);
        if (_verify is { } verify)
        {
            // the second pass: every key of the target database (or cluster) that the source does not have
            var targetCursors = new CursorTracker(_ => { });
            var whole = new SlotTracker(_ => { });
            IReadOnlyList<Func<KeyEnumerator, CancellationToken, Task>> enumerations = target.Topology.IsCluster
                ? BySlots(target.Topology, [new SlotRange(0, HashSlot.Count - 1)], whole)
                : [(enumerator, ct) => enumerator.EnumerateDatabaseAsync(target.Seed.Database, ScanPosition.Start, targetCursors, ct)];
            await RunAsync(enumerations, target, () => new ExtraKeyFinder(source, _options, Progress, verify.Result), batch =>
            {
                targetCursors.BatchDone(batch.Sequence);
                ReleaseSlots(batch, whole);
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync()
    {
        _viewsGate.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<ClusterView> ViewForDatabaseAsync(ClusterView view, int database, CancellationToken cancellationToken)
    {
        if (view.Seed.Database == database)
        {
            return view;
        }
        await _viewsGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var key = (view == Source ? 1 : -1) * (database + 1);
            if (!_databaseViews.TryGetValue(key, out var dbView))
            {
                dbView = await ClusterView.OpenAsync(view.Seed with { Database = database }, _options.AddressMap, cancellationToken).ConfigureAwait(false);
                _databaseViews[key] = dbView;
            }
            return dbView;
        }
        finally
        {
            _viewsGate.Release();
        }
    }

    /// <summary>One enumerator per entry of <paramref name="enumerations"/>, each with its own channel and pipelines; the first failure cancels the rest.</summary>
    private async Task RunAsync(IReadOnlyList<Func<KeyEnumerator, CancellationToken, Task>> enumerations, ClusterView source,
        ClusterView target, Action<KeyBatch> batchDone, CancellationToken cancellationToken)
    {
        var verify = _verify;
        await RunAsync(enumerations, source, () => verify is null
            ? new BatchCopier(source, target, _options, Progress, _estimate, _budget)
            : new BatchVerifier(source, target, _options, Progress, verify.Value.Result, verify.Value.TtlToleranceMs), batchDone, cancellationToken).ConfigureAwait(false);
    }

    private async Task RunAsync(IReadOnlyList<Func<KeyEnumerator, CancellationToken, Task>> enumerations, ClusterView source,
        Func<IBatchProcessor> processor, Action<KeyBatch> batchDone, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new List<Task>();
        foreach (var enumerate in enumerations)
        {
            var channel = Channel.CreateBounded<KeyBatch>(new BoundedChannelOptions(_options.PipelinesPerShard) { SingleWriter = true });
            var enumerator = new KeyEnumerator(source, _options, Progress, _pool, channel.Writer);
            tasks.Add(GuardAsync(async () =>
            {
                try
                {
                    await enumerate(enumerator, failed.Token).ConfigureAwait(false);
                }
                finally
                {
                    channel.Writer.TryComplete();
                }
            }, failed));
            for (var p = 0; p < _options.PipelinesPerShard; p++)
            {
                tasks.Add(GuardAsync(() => PipelineAsync(channel.Reader, processor, batchDone, failed.Token), failed));
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

    private async Task PipelineAsync(ChannelReader<KeyBatch> batches, Func<IBatchProcessor> processor, Action<KeyBatch> batchDone, CancellationToken cancellationToken)
    {
        IBatchProcessor? copier = null;
        try
        {
            await foreach (var batch in batches.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                copier ??= processor();
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                using (var span = Instruments.Source.StartActivity("batch"))
                {
                    span?.SetTag("distributedcopy.keys", batch.Count);
                    await copier.ProcessAsync(batch, cancellationToken).ConfigureAwait(false);
                }
                Instruments.BatchDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                batchDone(batch);
                _pool.Return(batch);
            }
        }
        finally
        {
            if (copier is not null)
            {
                await copier.DisposeAsync().ConfigureAwait(false);
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
            Progress.AddError(ex.Message);
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }
}
