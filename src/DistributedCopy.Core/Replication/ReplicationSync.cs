using System.Globalization;
using DistributedCopy.Core.Files;
using DistributedCopy.Core.Live;
using DistributedCopy.Core.Pipelines;

namespace DistributedCopy.Core.Replication;

/// <summary>
/// A live sync by the replication stream (<c>dcopy sync --capture replication</c>): dcopy connects to the source master as
/// a replica, loads the snapshot it sends (an RDB, through the RDB reader, each key to its slot's master) and applies the
/// command stream after it, one database of the source into one of the target, exactly once
/// (<see cref="ReplicationMirror"/>). Its checkpoint is the position the target holds (<see cref="Position"/>): taken up
/// again, it continues with PSYNC from there, and only a master whose backlog no longer holds that position sends its
/// snapshot again (a note says so, and what backlog would have kept it). No keyspace notification and no canary is needed.
/// </summary>
public sealed partial class ReplicationSync : ISyncRun
{
    private readonly RedisEndpoint _seed;
    private RedisEndpoint _source;
    private readonly ClusterView _target;
    private readonly ClusterView _sourceView;
    private readonly CopyOptions _options;
    private readonly SyncOptions _sync;
    private readonly ReplicationPosition? _from;
    private readonly int _database;
    private readonly int _targetDatabase;
    private readonly CopyProgress _progress = new();
    private readonly bool _cluster;
    private ReplicationPosition? _resumeFrom;
    private readonly CancellationTokenSource _stop = new();
    private ReplicationLink? _link;
    private ReplicationApplier? _applier;
    private long _caughtUpAt = Environment.TickCount64;

    /// <summary>The slots of a cluster source's master this sync follows (null: a standalone source).</summary>
    private IReadOnlyList<SlotRange>? _slots;

    private ReplicationSync(RedisEndpoint seed, RedisEndpoint source, ClusterView sourceView, ClusterView target, CopyOptions options, SyncOptions sync, int database, int targetDatabase)
    {
        _seed = seed;
        _source = source;
        _cluster = sourceView.Topology.IsCluster;
        _sourceView = sourceView;
        _target = target;
        _options = options;
        _sync = sync;
        _from = _resumeFrom = ReplicationPosition.Parse(sync.Position);
        _database = database;
        _targetDatabase = targetDatabase;
        Stats.LagNow = () => _applier is null || LagBytes == 0 ? 0 : (Environment.TickCount64 - Volatile.Read(ref _caughtUpAt)) / 1000.0;
        Stats.LagBytesNow = () => LagBytes;
        Stats.PositionNow = () => Position;
        Stats.UnprovenNow = Unproven;
        Instruments.Syncs[Stats] = 0;
    }

    public CopyProgress Progress => _progress;

    public SyncStats Stats { get; } = new();

    /// <summary>The position the target holds (everything of the stream up to it applied and answered), or the one it started from.</summary>
    public string? Position => _applier?.Position.ToString() ?? _resumeFrom?.ToString();

    private long LagBytes => _link is { } link && _applier is { } applier ? Math.Max(0, link.Received - applier.Applied) : 0;

    /// <summary>
    /// Opens the target and finds the master to follow: a standalone source, or the master of a cluster source serving the
    /// first of <see cref="SyncOptions.Slots"/> (one sync per master). Refuses filters and renames (not applied to the stream yet).
    /// </summary>
    public static async Task<ReplicationSync> OpenAsync(RedisEndpoint source, RedisEndpoint target, CopyOptions options, SyncOptions sync, CancellationToken cancellationToken = default)
    {
        options = options with { Policy = OverwritePolicy.Replace };
        if (options.Selection.Renames.Count > 0 || options.Selection.Filters || options.Selection.Types.Count > 0)
        {
            throw new CopyException("dcopy sync --capture replication takes no --match, --exclude, --type or --rename yet: the stream is applied as the master wrote it");
        }
        var topology = await Topology.ReadAsync(source, cancellationToken).ConfigureAwait(false);
        var (master, slots, database) = (source, (IReadOnlyList<SlotRange>?)null, source.Database);
        if (topology.IsCluster)
        {
            // the master serving the partition's first slot now (after a failover, the replica that took over)
            var shard = topology.Shards[topology.ShardFor(sync.Slots is [var first, ..] ? first.Start : 0)];
            (master, slots, database) = (shard.Master, shard.Slots, 0);
        }
        var view = await ClusterView.OpenAsync(target, options.AddressMap, cancellationToken).ConfigureAwait(false);
        var into = view.Topology.IsCluster ? 0 : RdbLoader.TargetDatabase(database, target, options.Selection);
        if (!view.Topology.IsCluster && into != target.Database)
        {
            view = await ClusterView.OpenAsync(target with { Database = into, NamesDatabase = true }, options.AddressMap, cancellationToken).ConfigureAwait(false);
        }
        // opened now: a paused source answers reads, but opening a view may probe it with a write
        var sourceView = await ClusterView.OpenAsync(source with { NamesDatabase = !topology.IsCluster }, options.AddressMap, cancellationToken).ConfigureAwait(false);
        return new ReplicationSync(source, master, sourceView, view, options, sync, database, into) { _slots = slots };
    }

    /// <summary>
    /// Follows the master until cancelled. A link or target lost, or the master replaced by a failover, is taken up again
    /// from the position the target holds (PSYNC; the markers skip what it holds already), with backoff; failures for
    /// longer than the retry budget (45 s) with nothing applied in between end the sync with the last one's reason.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        var token = linked.Token;
        var watch = WatchAsync(token);
        try
        {
            var (attempt, failingSince, appliedAtFailure) = (0, 0L, -1L);
            while (true)
            {
                try
                {
                    await FollowAsync(_resumeFrom, token).ConfigureAwait(false);
                    attempt = 0;
                }
                catch (Exception ex) when (Retry.IsTransient(ex, token))
                {
                    var applied = _applier?.Applied ?? -1;
                    if (applied != appliedAtFailure || failingSince == 0)
                    {
                        // the stream moved since the last failure: a new episode
                        (failingSince, attempt, appliedAtFailure) = (Environment.TickCount64, 0, applied);
                    }
                    var delay = Retry.Delay(attempt);
                    var spent = TimeSpan.FromMilliseconds(Environment.TickCount64 - failingSince);
                    if (spent + delay > _options.RetryBudget)
                    {
                        throw new RetriesExhaustedException(attempt + 1, spent, ex);
                    }
                    _progress.AddError(ex);
                    attempt++;
                    await EndLinkAsync().ConfigureAwait(false);
                    _progress.AddNote($"{_source.Address}: the replication stream was lost ({ex.Message}); taken up again from offset {_resumeFrom?.Offset ?? 0:N0} in {delay.TotalSeconds:F1} s");
                    await Task.Delay(delay, token).ConfigureAwait(false);
                    continue;
                }
                await EndLinkAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await linked.CancelAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One link: the master found (again), PSYNC from <paramref name="from"/>, the snapshot when the master starts over, then
    /// the stream until it fails, or until another master serves the followed slots (a failover: this returns).
    /// </summary>
    private async Task FollowAsync(ReplicationPosition? from, CancellationToken cancellationToken)
    {
        var before = _source;
        await FindMasterAsync(cancellationToken).ConfigureAwait(false);
        if (before.Address != _source.Address)
        {
            _progress.AddNote($"{before.Address} no longer serves slot {FirstSlot} (a failover): {_source.Address} is followed from offset {from?.Offset ?? 0:N0}");
        }
        _link = await ReplicationLink.OpenAsync(_source, from, cancellationToken).ConfigureAwait(false);
        var mirror = new ReplicationMirror(_database, _targetDatabase, _sync.Name) { Slots = _slots };
        if (_link.StartedOver)
        {
            if (from is { } position)
            {
                _progress.AddNote(await StartedOverNoteAsync(position, cancellationToken).ConfigureAwait(false));
            }
            await LoadSnapshotAsync(mirror, emptyFirst: from is not null, cancellationToken).ConfigureAwait(false);
        }
        await _target.RefreshAsync(_target.Version, cancellationToken).ConfigureAwait(false);
        _applier = await ReplicationApplier.OpenAsync(_link, _target, cancellationToken, mirror).ConfigureAwait(false);
        Stats.Live = true;
        using var moved = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var run = _applier.RunAsync(moved.Token);
        var master = _cluster ? WatchMasterAsync(moved.Token) : NeverAsync(moved.Token);
        if (await Task.WhenAny(run, master).ConfigureAwait(false) == master && !cancellationToken.IsCancellationRequested)
        {
            // a failover: the stream of the master that took over, from where the target stands (it stops between pipelines)
            await moved.CancelAsync().ConfigureAwait(false);
            await run.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            if (run.IsFaulted)
            {
                await run.ConfigureAwait(false);
            }
            // the next link finds the new master, and says so
            return;
        }
        await moved.CancelAsync().ConfigureAwait(false);
        await run.ConfigureAwait(false);
    }

    private static async Task<RedisEndpoint> NeverAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Keeps the position and ends the link (the next one starts from the position).</summary>
    private async Task EndLinkAsync()
    {
        _resumeFrom = _applier?.Position ?? _resumeFrom;
        if (_applier is { } applier)
        {
            _applier = null;
            await applier.DisposeAsync().ConfigureAwait(false);
        }
        if (_link is { } link)
        {
            _link = null;
            await link.DisposeAsync().ConfigureAwait(false);
        }
    }

    private int FirstSlot => _sync.Slots is [var first, ..] ? first.Start : 0;

    /// <summary>The master to follow now: a standalone source, or the one serving the partition's first slot (and its slots).</summary>
    private async Task FindMasterAsync(CancellationToken cancellationToken)
    {
        if (!_cluster)
        {
            return;
        }
        var topology = await Topology.ReadAsync(_seed, cancellationToken).ConfigureAwait(false);
        var shard = topology.ShardFor(FirstSlot) is var index and >= 0 ? topology.Shards[index] : throw new TopologyChangedException($"no master serves slot {FirstSlot} of the source");
        (_source, _slots) = (shard.Master, shard.Slots);
    }

    /// <summary>Completes with the new master once another one serves the partition's first slot (the topology read every 2 s).</summary>
    private async Task<RedisEndpoint> WatchMasterAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            Topology topology;
            try
            {
                topology = await Topology.ReadAsync(_seed, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (Retry.IsTransient(ex, cancellationToken) || ex is RespException)
            {
                // a node down during a failover: read again
                continue;
            }
            if (topology.ShardFor(FirstSlot) is var index and >= 0 && topology.Shards[index] is var shard)
            {
                if (shard.Master.Address != _source.Address)
                {
                    return shard.Master;
                }
                // slots moved in or out (a reshard): each master's stream carries its own side of it
                _slots = shard.Slots;
            }
        }
    }

    public Task StopAsync() => _stop.CancelAsync();

    /// <summary>Removes this sync's markers from the target (after a cutover that passed).</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        await using var connections = new ShardConnections(_target);
        await connections.SyncAsync().ConfigureAwait(false);
        await ReplicationMarkers.ClearAsync(connections, _sync.Name, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        Instruments.Syncs.TryRemove(Stats, out _);
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_applier is not null)
        {
            await _applier.DisposeAsync().ConfigureAwait(false);
        }
        if (_link is not null)
        {
            await _link.DisposeAsync().ConfigureAwait(false);
        }
        _stop.Dispose();
    }

    /// <summary>
    /// The snapshot: the master's RDB into a file (the stream meanwhile spooled), the markers of an earlier run removed (the
    /// offsets start again) and, when the sync had run before (<paramref name="emptyFirst"/>), the followed slots (or
    /// database) emptied on the target, then every key of the synced database loaded into the target.
    /// </summary>
    private async Task LoadSnapshotAsync(ReplicationMirror mirror, bool emptyFirst, CancellationToken cancellationToken)
    {
        var file = Path.Combine(Path.GetTempPath(), $"dcopy-sync-{Guid.NewGuid():N}.rdb");
        try
        {
            await using (var stream = File.Create(file))
            {
                await _link!.ReceiveSnapshotAsync(stream, cancellationToken).ConfigureAwait(false);
            }
            await using (var connections = new ShardConnections(_target))
            {
                await connections.SyncAsync().ConfigureAwait(false);
                await ReplicationMarkers.ClearAsync(connections, mirror.Name, cancellationToken).ConfigureAwait(false);
                if (emptyFirst)
                {
                    // taken again after a stop: what the source deleted meanwhile must not stay on the target
                    await ReplicationApplier.EmptyAsync(connections, _slots).ConfigureAwait(false);
                }
            }
            var loader = await RdbLoader.OpenAsync(file, _target.Seed, _options, cancellationToken, progress: _progress).ConfigureAwait(false);
            await loader.LoadAsync(_database, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>What the master said when it could not continue, and the backlog that would have let it.</summary>
    private async Task<string> StartedOverNoteAsync(ReplicationPosition from, CancellationToken cancellationToken)
    {
        var info = await MasterInfoAsync(cancellationToken).ConfigureAwait(false);
        var backlog = long.TryParse(info.GetValueOrDefault("repl_backlog_size"), CultureInfo.InvariantCulture, out var size) ? size : 0;
        var missed = _link!.Position.Offset - from.Offset;
        var advice = from.ReplicationId == _link.Position.ReplicationId && missed > 0
            ? $" {missed:N0} bytes were written meanwhile and its repl-backlog-size is {backlog:N0}: a backlog of at least {Math.Max(missed * 2, backlog * 2):N0} bytes (CONFIG SET repl-backlog-size) would let a sync stopped as long continue"
            : $" (its replication id is {_link.Position.ReplicationId}, the position's {from.ReplicationId}: a restarted master or another server)";
        return $"{_source.Address} could not continue the stream from offset {from.Offset:N0}, so its snapshot is loaded again (the followed {(_cluster ? "slots" : "database")} emptied on the target first).{advice}";
    }

    private async Task<Dictionary<string, string>> MasterInfoAsync(CancellationToken cancellationToken)
    {
        await using var connection = await RespConnection.ConnectAsync(_source, cancellationToken).ConfigureAwait(false);
        return Topology.ParseInfo(await connection.ExecuteStringAsync("INFO", "replication").ConfigureAwait(false));
    }

    /// <summary>Counts what the applier did and when it last had nothing left (the lag in seconds); each link's applier counts from 0.</summary>
    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        ReplicationApplier? counting = null;
        long counted = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (LagBytes == 0)
            {
                Volatile.Write(ref _caughtUpAt, Environment.TickCount64);
            }
            if (_applier is { } applier)
            {
                if (!ReferenceEquals(applier, counting))
                {
                    (counting, counted) = (applier, 0);
                }
                var commands = applier.Commands;
                if (commands > counted)
                {
                    Stats.AddChanges(commands - counted);
                    Stats.AddApplied(commands - counted, 0);
                    counted = commands;
                }
            }
            try
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The link is proven by what the master sends (its PINGs every 10 s when nothing is written).</summary>
    private string? Unproven() =>
        _link is { } link && _applier is not null && link.SilentFor > TimeSpan.FromSeconds(25)
            ? $"{link.Master.Address}: nothing heard on the replication stream for {link.SilentFor.TotalSeconds:0} s"
            : null;
}
