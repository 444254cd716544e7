namespace DistributedCopy.Core;

/// <summary>
/// Copies keys from a source deployment to a target one. It composes the parts: key sources (slots of each source shard,
/// or a SCAN of a standalone database) feed the pipeline runner, whose pipelines read each batch's values (DUMP and expiry)
/// and hand them to a writer (RESTORE to the target masters that own each key's slot).
/// </summary>
public sealed class CopyEngine : IAsyncDisposable
{
    private readonly EngineSides _sides;
    private readonly CopyOptions _options;
    private readonly PipelineRunner _runner;
    private readonly PayloadEstimate _estimate = new();
    private readonly ByteBudget _budget;
    private readonly System.Collections.Concurrent.ConcurrentBag<IBatchProcessor> _idle = [];
    private readonly SourceGuard? _guard;

    private CopyEngine(EngineSides sides, CopyOptions options)
    {
        _sides = sides;
        _options = options;
        if (options.MaxSourceLatency is { } latency && latency > TimeSpan.Zero)
        {
            // the nodes this engine reads from, each probed for how long it takes to answer while the copy runs
            _guard = new SourceGuard([.. sides.Source.Topology.Shards.Select(s => s.ReadNode)], latency, options.MaxKeysPerSecond, Progress);
        }
        _runner = new PipelineRunner(_guard is null ? options : options with { Throttle = _guard.TakeAsync }, Progress);
        _budget = new ByteBudget(options.MaxBytesInFlight);
        if (options.Mode != CopyMode.Dump && options.BigKeyBytes > 0 && !sides.Source.Capabilities.MemoryUsage)
        {
            Progress.AddNote("the source refuses MEMORY USAGE: keys are not sized before DUMP, so big keys are not copied in chunks");
        }
    }

    public ClusterView Source => _sides.Source;

    public ClusterView Target => _sides.Target;

    public CopyProgress Progress { get; } = new();

    public static async Task<CopyEngine> OpenAsync(RedisEndpoint source, RedisEndpoint target, CopyOptions options, CancellationToken cancellationToken = default) =>
        new(await EngineSides.OpenAsync(source, target, options, cancellationToken).ConfigureAwait(false), options);

    /// <summary>Databases of a standalone source that hold keys (from INFO keyspace); [0] for a cluster.</summary>
    public Task<IReadOnlyList<int>> SourceDatabasesAsync(CancellationToken cancellationToken = default) => _sides.SourceDatabasesAsync(cancellationToken);

    /// <summary>Copies everything: every slot of a cluster source, or every database of a standalone one that holds keys.</summary>
    public Task CopyAllAsync(CancellationToken cancellationToken = default) =>
        _sides.AllAsync(slots => CopySlotsAsync(slots, slotCompleted: null, cancellationToken), database => CopyDatabaseAsync(database, ScanPosition.Start, cursorCommitted: null, cancellationToken), cancellationToken);

    /// <summary>
    /// Copies the keys of <paramref name="slots"/> from a cluster source. <paramref name="slotCompleted"/> is called (from any
    /// thread) once per slot whose keys are all written; a slot of a batch that failed is never reported.
    /// </summary>
    public Task CopySlotsAsync(IReadOnlyList<SlotRange> slots, Action<int>? slotCompleted, CancellationToken cancellationToken = default) =>
        CopySlotsAsync(slots, slotCompleted, null, cancellationToken);

    /// <summary>Copies the keys of <paramref name="slots"/>, each slot done and the keys of each counted in <paramref name="ledger"/>.</summary>
    public Task CopySlotsAsync(IReadOnlyList<SlotRange> slots, CheckpointLedger ledger, CancellationToken cancellationToken = default) =>
        CopySlotsAsync(slots, ledger.SlotDone, ledger, cancellationToken);

    private Task CopySlotsAsync(IReadOnlyList<SlotRange> slots, Action<int>? slotCompleted, CheckpointLedger? ledger, CancellationToken cancellationToken)
    {
        var tracker = new SlotTracker(slot =>
        {
            Progress.AddSlotCompleted();
            slotCompleted?.Invoke(slot);
        }, ledger);
        // pipelines (their connections, buffers and learned sizes) outlive a call: a worker copies many slot ranges in turn
        return _runner.RunAsync(SlotSource.ForShards(Source, slots, tracker, _options, Progress), () => _idle.TryTake(out var idle) ? idle : NewPipeline(Source, Target),
            cancellationToken, _options.Selection, pipeline =>
            {
                _idle.Add(pipeline);
                return ValueTask.CompletedTask;
            });
    }

    /// <summary>
    /// Copies one database of a standalone source, walking it with SCAN from <paramref name="cursor"/> ("0" for the start).
    /// <paramref name="cursorCommitted"/> gets, in order, cursors from which a resumed copy loses nothing; <see cref="ScanPosition.End"/> last.
    /// Keys go to the same database of a standalone target (or to the one its endpoint names), or to a cluster target.
    /// </summary>
    public Task CopyDatabaseAsync(int database, string cursor, Action<string>? cursorCommitted, CancellationToken cancellationToken = default) =>
        CopyDatabaseAsync(database, cursor, cursorCommitted, null, cancellationToken);

    /// <summary>Copies one database from <paramref name="cursor"/>, each cursor committed and the keys it covers counted in <paramref name="ledger"/>.</summary>
    public Task CopyDatabaseAsync(int database, string cursor, CheckpointLedger ledger, CancellationToken cancellationToken = default) =>
        CopyDatabaseAsync(database, cursor, null, ledger, cancellationToken);

    private async Task CopyDatabaseAsync(int database, string cursor, Action<string>? cursorCommitted, CheckpointLedger? ledger, CancellationToken cancellationToken)
    {
        var (source, target) = await _sides.ForDatabaseAsync(database, cancellationToken).ConfigureAwait(false);
        await _runner.RunAsync([new ScanSource(source, database, cursor, cursorCommitted, _options, Progress, ledger)], () => NewPipeline(source, target), cancellationToken,
            _options.Selection).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var pipeline))
        {
            await pipeline.DisposeAsync().ConfigureAwait(false);
        }
        if (_guard is not null)
        {
            await _guard.DisposeAsync().ConfigureAwait(false);
        }
        _sides.Dispose();
    }

    /// <summary>
    /// Hands to <paramref name="extra"/> each key the target holds that the source lacks: in <paramref name="slots"/> of a
    /// cluster target, in the database of a standalone one (<paramref name="database"/> of a standalone source).
    /// </summary>
    internal async Task FindExtrasAsync(int database, IReadOnlyList<SlotRange> slots, Action<byte[]> extra, CopyProgress progress, CancellationToken cancellationToken)
    {
        var (source, target) = await ViewsAsync(database, cancellationToken).ConfigureAwait(false);
        await _runner.RunAsync(ExtraKeyFinder.TargetKeys(target, slots, new SlotTracker(_ => { }), _options, progress),
            () => new ExtraKeyFinder(source, _options, progress, extra), cancellationToken, _options.Selection.ForTargetNames()).ConfigureAwait(false);
    }

    /// <summary>Both sides' views for one database of a standalone source (the cluster views for a cluster).</summary>
    internal Task<(ClusterView Source, ClusterView Target)> ViewsAsync(int database, CancellationToken cancellationToken) =>
        Source.Topology.IsCluster ? Task.FromResult((Source, Target)) : _sides.ForDatabaseAsync(database, cancellationToken);

    /// <summary>A pipeline reading DUMP and expiry, writing by RESTORE (--mode dump) or by RESTORE and by type as the target allows.</summary>
    internal CopyPipeline NewPipeline(ClusterView source, ClusterView target, CopyProgress? progress = null)
    {
        progress ??= Progress;
        return new(new DumpReader(source, bigKeyBytes: _options.Mode == CopyMode.Dump ? 0 : _options.BigKeyBytes, types: _options.Selection.Types),
            _options.Mode == CopyMode.Dump ? new RestoreWriter(target, _options) : new RoutingWriter(source, target, _options, progress),
            _options, progress, _estimate, _budget);
    }
}
