namespace DistributedCopy.Core.Live;

/// <summary>
/// A copy that keeps following its source: keyspace notifications are subscribed on every source master before the
/// snapshot starts; changed keys are marked dirty per slot and applied (re-read from the source) once that slot's snapshot
/// is written, so a snapshot value can never land after a newer one. Every way of missing notifications ends in a
/// reconcile of the slots concerned (re-copy, then delete what the source lacks): a subscription lost and made again, a
/// dirty set past its bound, per-slot key counts that differ twice running (the periodic sweep, which also catches
/// FLUSHDB), a resumed sync. Each feed is proven alive by a canary (<see cref="Canary"/>); a comparer walks every slot at a
/// bounded rate and repairs what differs; each slot carries when it was last brought in line (its evidence).
/// <see cref="CutoverAsync"/> gives the verdict from that evidence.
/// </summary>
public sealed partial class LiveSync : ISyncRun
{
    private readonly CopyEngine _engine;
    private readonly CopyOptions _options;
    private readonly SyncOptions _sync;
    private readonly int _database;
    private readonly bool _cluster;
    private readonly DirtyKeys _dirty;
    private readonly bool[] _ready;
    private readonly bool[] _owned;
    private readonly SortedSet<int> _toReconcile = [];
    private readonly object _lock = new();
    private readonly Dictionary<string, (ChangeFeed Feed, CancellationTokenSource Stop, Task Run)> _feeds = [];
    private readonly Dictionary<string, Canary> _canaries = [];
    private readonly string _token = Guid.NewGuid().ToString("N")[..12];
    private readonly RedisEndpoint _sourceEndpoint;
    private readonly RedisEndpoint _targetEndpoint;

    /// <summary>Per bucket: when (tick count) the pass that last brought it in line began — snapshot, reconcile or comparison.</summary>
    private readonly long[] _evidence;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _failure = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CopyProgress _changes = new() { CountsCopies = false };
    private int _busy;

    private LiveSync(CopyEngine engine, CopyOptions options, SyncOptions sync, int database, RedisEndpoint source, RedisEndpoint target)
    {
        _engine = engine;
        _sourceEndpoint = source;
        _targetEndpoint = target;
        _options = options;
        _sync = sync;
        _database = database;
        _cluster = engine.Source.Topology.IsCluster;
        var buckets = _cluster ? HashSlot.Count : 1;
        _ready = new bool[buckets];
        _owned = new bool[buckets];
        _evidence = new long[buckets];
        foreach (var range in _cluster && sync.Slots is not null ? sync.Slots : [new SlotRange(0, buckets - 1)])
        {
            Array.Fill(_owned, true, range.Start, range.Count);
        }
        _dirty = new DirtyKeys(buckets, sync.MaxDirtyKeys, Reconcile);
        Stats.PendingNow = () => _dirty.Count + Volatile.Read(ref _inFlight);
        Stats.LagNow = Lag;
        Stats.UnprovenNow = UnprovenFeed;
        Instruments.Syncs[Stats] = 0;
    }

    /// <summary>The snapshot's counters (the engine's).</summary>
    public CopyProgress Progress => _engine.Progress;

    public SyncStats Stats { get; } = new();

    /// <summary>Opens both sides; a standalone source syncs the one database its endpoint names (0 by default).</summary>
    public static async Task<LiveSync> OpenAsync(RedisEndpoint source, RedisEndpoint target, CopyOptions options, SyncOptions sync, CancellationToken cancellationToken = default)
    {
        // the target mirrors the source: what it holds under a key is replaced
        options = options with { Policy = OverwritePolicy.Replace };
        if (options.Selection.Renames.Count > 0 || options.Selection.Filters || options.Selection.Types.Count > 0)
        {
            // a reconcile finds target keys the source lacks by asking for the same name, and the sweep compares whole key counts
            throw new CopyException("dcopy sync takes no --match, --exclude or --rename yet: its sweep compares whole key counts and its reconcile asks the source for each target key's own name");
        }
        var engine = await CopyEngine.OpenAsync(source, target, options, cancellationToken).ConfigureAwait(false);
        return new LiveSync(engine, options, sync, engine.Source.Topology.IsCluster ? 0 : source.Database, source, target);
    }

    /// <summary>
    /// Subscribes, copies the snapshot (or, resuming, reconciles everything), then follows the source until
    /// <see cref="CutoverAsync"/> ends it or <paramref name="cancellationToken"/> stops it.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        var token = linked.Token;
        // the nodes keys are read from: masters, or (--read-from replica) a replica of each, which publishes the same events
        var masters = _cluster ? [.. OwningShards(_engine.Source.Topology).Select(s => s.ReadNode)] : new List<RedisEndpoint> { StandaloneReadNode };
        await NotificationSettings.EnsureAsync(masters, _sync.ConfigureNotifications, token).ConfigureAwait(false);
        var (source, target) = await _engine.ViewsAsync(_database, token).ConfigureAwait(false);
        await using var applier = new ChangeApplier(_engine.NewPipeline(source, target, _changes), target, _options, _changes);
        var tasks = new List<Task>();
        try
        {
            foreach (var master in masters)
            {
                Follow(master, token);
            }
            await WhenSubscribedAsync(token).ConfigureAwait(false);
            // the first canaries go out before any key is read: a feed proven from then on covers the snapshot
            tasks.Add(Watch(CanaryLoopAsync(token)));
            tasks.Add(Watch(ApplyLoopAsync(applier, token)));
            tasks.Add(Watch(ReconcileLoopAsync(token)));
            if (_sync.Resuming)
            {
                // live only once every slot is reconciled: until then the target holds what it held when the sync stopped
                Reconcile(Owned);
                await UnlessFailedAsync(ReconciledAsync(token)).ConfigureAwait(false);
            }
            else
            {
                await UnlessFailedAsync(SnapshotAsync(token)).ConfigureAwait(false);
            }
            _cutoverComparer = await OpenComparerAsync(null, token).ConfigureAwait(false);
            Stats.Live = true;
            tasks.Add(Watch(SweepLoopAsync(source, target, token)));
            tasks.Add(Watch(CompareLoopAsync(token)));
            await UnlessFailedAsync(Task.WhenAll(tasks)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested && !_failure.Task.IsFaulted && !cancellationToken.IsCancellationRequested)
        {
            // ended by the cutover
        }
        finally
        {
            // one part failing (a loop, a subscription that may not be made again) ends the others
            await _stop.CancelAsync().ConfigureAwait(false);
            List<Task> runs;
            lock (_lock)
            {
                runs = [.. tasks, .. _feeds.Values.Select(f => f.Run)];
            }
            // ended, failed or cancelled: each is waited for; the reason is the one thrown above
            await Task.WhenAll(runs.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Instruments.Syncs.TryRemove(Stats, out _);
        await _stop.CancelAsync().ConfigureAwait(false);
        _stop.Dispose();
        if (_cutoverComparer is not null)
        {
            await _cutoverComparer.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var (_, canary) in Canaries())
        {
            await canary.DisposeAsync().ConfigureAwait(false);
        }
        await _engine.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Fails the sync (and so stops its other parts) when <paramref name="part"/> fails.</summary>
    private Task Watch(Task part)
    {
        part.ContinueWith(t => _failure.TrySetException(t.Exception!.InnerExceptions), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return part;
    }

    /// <summary>Waits for <paramref name="work"/>, or throws at once what made another part of the sync fail.</summary>
    private async Task UnlessFailedAsync(Task work)
    {
        if (await Task.WhenAny(work, _failure.Task).ConfigureAwait(false) == _failure.Task)
        {
            await _failure.Task.ConfigureAwait(false);
        }
        await work.ConfigureAwait(false);
    }

    private int Bucket(ReadOnlySpan<byte> key) => _cluster ? HashSlot.Of(key) : 0;

    /// <summary>The buckets (slots, or the one database) this sync follows.</summary>
    private IEnumerable<int> Owned => Enumerable.Range(0, _owned.Length).Where(b => _owned[b]);

    /// <summary>A standalone source's node keys are read from: the server, or its replica.</summary>
    private RedisEndpoint StandaloneReadNode => _engine.Source.Topology.Shards[0].Replica ?? _engine.Source.Seed;

    /// <summary>The source shards owning some of the slots this sync follows.</summary>
    private IEnumerable<Shard> OwningShards(Topology topology) =>
        topology.Shards.Where(s => s.Slots.Any(r => Enumerable.Range(r.Start, r.Count).Any(b => _owned[b])));

    private void Changed(Canary canary, byte[] key)
    {
        if (Canary.IsCanary(key))
        {
            // dcopy's own proof that the feed works (this sync's or another's): never copied
            canary.Received(key);
            return;
        }
        var bucket = Bucket(key);
        if (!_owned[bucket])
        {
            // another worker's slot
            return;
        }
        Stats.AddChange();
        _dirty.Add(bucket, key);
    }

    private void Reconcile(int bucket) => Reconcile([bucket]);

    private void Reconcile(IEnumerable<int> buckets)
    {
        lock (_lock)
        {
            foreach (var bucket in buckets)
            {
                _toReconcile.Add(bucket);
            }
        }
    }

    /// <summary>The snapshot: each slot becomes ready (its changes may be applied) once its keys are written.</summary>
    private async Task SnapshotAsync(CancellationToken cancellationToken)
    {
        var started = Environment.TickCount64;
        if (_cluster)
        {
            await _engine.CopySlotsAsync(SlotRange.Of(Owned), slot =>
            {
                Volatile.Write(ref _evidence[slot], started);
                Volatile.Write(ref _ready[slot], true);
                _sync.SlotCopied?.Invoke(slot);
            }, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await _engine.CopyDatabaseAsync(_database, ScanPosition.Start, cursorCommitted: null, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _evidence[0], started);
            _sync.SlotCopied?.Invoke(0);
        }
        for (var bucket = 0; bucket < _ready.Length; bucket++)
        {
            Volatile.Write(ref _ready[bucket], true);
        }
    }
}
