using DistributedCopy.Core.Live;
using DistributedCopy.Core.Pipelines;
using DistributedCopy.Core.Rdb;
using DistributedCopy.Core.Resilience;

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
    private readonly int _database;
    private readonly int _targetDatabase;
    private readonly CopyProgress _progress = new();
    private readonly bool _cluster;
    private ReplicationPosition? _resumeFrom;
    private readonly CancellationTokenSource _stop = new();
    private ReplicationLink? _link;
    private ReplicationApplier? _applier;
    private long _caughtUpAt = Environment.TickCount64;

    /// <summary>The master followed left the source and no master carries its history: nothing is left to follow.</summary>
    private bool _dropped;

    /// <summary>The slots of a cluster source's master this sync follows (null: a standalone source).</summary>
    private IReadOnlyList<SlotRange>? _slots;

    /// <summary>A cluster source: the slots this partition's stream writes, hands over and waits for (once the master to follow is known).</summary>
    private SlotHandOver? _handOver;

    /// <summary>A link was opened in this process (a master found different from the one followed before is a failover).</summary>
    private bool _linked;

    private ReplicationSync(RedisEndpoint seed, RedisEndpoint source, ClusterView sourceView, ClusterView target, CopyOptions options, SyncOptions sync, int database, int targetDatabase)
    {
        _seed = seed;
        _source = source;
        _cluster = sourceView.Topology.IsCluster;
        _sourceView = sourceView;
        _target = target;
        _options = options;
        _sync = sync;
        _resumeFrom = ReplicationPosition.Parse(sync.Position);
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
        // announced addresses mapped (--address-map) before anything connects to a master
        var topology = (await Topology.ReadAsync(source, cancellationToken).ConfigureAwait(false)).WithAddressMap(options.AddressMap);
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
        // from the topology read above, without the capability probe a view's opening makes (a write, which a paused source
        // holds: a lease taken again during a cutover opens this)
        var sourceView = new ClusterView(Topology.MapAddress(source, options.AddressMap) with { NamesDatabase = !topology.IsCluster }, topology, options.AddressMap);
        return new ReplicationSync(Topology.MapAddress(source, options.AddressMap), master, sourceView, view, options, sync, database, into) { _slots = slots };
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

    /// <summary>Removes this sync's markers from the target (after a cutover that passed).</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        await using var connections = new ShardConnections(_target);
        await connections.SyncAsync().ConfigureAwait(false);
        await ReplicationMarkers.ClearAsync(connections, _sync.Name, cancellationToken).ConfigureAwait(false);
        await ClearHandOversAsync(connections, cancellationToken).ConfigureAwait(false);
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
}
