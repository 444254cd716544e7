using DistributedCopy.Core.Pipelines;
using DistributedCopy.Core.Resilience;

namespace DistributedCopy.Core.Replication;

// ReplicationSync, part 3: one link at a time. The master is found (again: after a failover, the one now serving the
// partition's first slot), PSYNC from the position the target holds, the snapshot when the master starts over, then the
// stream until it fails or another master takes over.
public sealed partial class ReplicationSync
{
    /// <summary>
    /// One link: the master found (again), PSYNC from <paramref name="from"/>, the snapshot when the master starts over, then
    /// the stream until it fails, or until another master serves the followed slots (a failover: this returns).
    /// </summary>
    private async Task FollowAsync(ReplicationPosition? from, CancellationToken cancellationToken)
    {
        var before = _source;
        await FindMasterAsync(cancellationToken).ConfigureAwait(false);
        if (_dropped)
        {
            await HandOverAllAsync(cancellationToken).ConfigureAwait(false);
            _progress.AddNote($"{_source.Address} is no longer a master and no master carries its replication history (removed from the source): this partition has nothing left to follow");
            Stats.Live = true;
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        if (_linked && before.Address != _source.Address)
        {
            _progress.AddNote($"{before.Address} is no longer a master (a failover): {_source.Address}, which carries its replication history, is followed from offset {from?.Offset ?? 0:N0}");
        }
        _link = await ReplicationLink.OpenAsync(_source, from, cancellationToken).ConfigureAwait(false);
        _linked = true;
        var mirror = new ReplicationMirror(_database, _targetDatabase, _sync.Name) { Slots = _slots, Acknowledge = _options, HandOver = _handOver };
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

    /// <summary>
    /// The master to follow now, and its slots. Taken up from a position: the master whose replication history it belongs
    /// to (after a failover, the promoted replica carries the old id as its second), else the master followed so far while
    /// it still is one (a reshard may have moved all its slots away). Otherwise (a new partition, or a history lost): the
    /// master serving the partition's first slot.
    /// </summary>
    private async Task FindMasterAsync(CancellationToken cancellationToken)
    {
        if (!_cluster)
        {
            return;
        }
        var topology = await ReadTopologyAsync(cancellationToken).ConfigureAwait(false);
        if (_resumeFrom is { } position)
        {
            foreach (var shard in topology.Shards)
            {
                if (await ReplicationCheck.HistoryAsync(shard.Master, cancellationToken).ConfigureAwait(false) is var (id, previous) && (id == position.ReplicationId || previous == position.ReplicationId))
                {
                    await FollowedAsync(shard.Master, shard.Slots, shard.NodeId, cancellationToken).ConfigureAwait(false);
                    return;
                }
            }
            if (await StillMasterAsync(cancellationToken).ConfigureAwait(false))
            {
                var mine = topology.Shards.FirstOrDefault(s => s.Master.Address == _source.Address);
                await FollowedAsync(_source, mine?.Slots ?? [], mine?.NodeId, cancellationToken).ConfigureAwait(false);
                return;
            }
            // gone, and no master carries its history (removed from the source after its slots moved away): nothing is
            // left to follow, and following another master would apply its stream twice (its own partition follows it;
            // one that nobody follows gets a partition from the coordinator)
            await FollowedAsync(_source, [], null, cancellationToken).ConfigureAwait(false);
            _dropped = true;
            return;
        }
        var index = topology.ShardOrThrow(FirstSlot, "source");
        await FollowedAsync(topology.Shards[index].Master, topology.Shards[index].Slots, topology.Shards[index].NodeId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The master to follow, its slots and node id (unknown for one that left the cluster); the first time, which slots the stream writes.</summary>
    private async Task FollowedAsync(RedisEndpoint master, IReadOnlyList<SlotRange> slots, string? nodeId, CancellationToken cancellationToken)
    {
        (_source, _slots) = (master, slots);
        if (!_target.Topology.IsCluster)
        {
            // a standalone target takes each pipeline as one transaction of the whole stream: no slot is held (a reshard
            // between two followed masters is not ordered there; the cutover's counts tell)
            return;
        }
        _handOver ??= await HandOverAsync(_target, _sync, nodeId, cancellationToken).ConfigureAwait(false);
        if (nodeId is not null)
        {
            _handOver.Follow(nodeId);
        }
    }

    /// <summary>
    /// The source's topology, from the first that answers of its seeds (a connection string may list several) and the
    /// masters it had when last read (the seeds may have left the cluster since).
    /// </summary>
    private async Task<Topology> ReadTopologyAsync(CancellationToken cancellationToken)
    {
        var known = _known?.Shards.Select(s => s.Master) ?? [];
        var topology = (await Topology.ReadAnyAsync(_seed.AllSeeds().Concat(known).DistinctBy(e => e.Address), cancellationToken).ConfigureAwait(false)).WithAddressMap(_options.AddressMap);
        if (topology.Shards.Any(s => s.Slots.Count > 0))
        {
            _known = topology;
        }
        return topology;
    }

    private Topology? _known;

    /// <summary>The master followed is still a master (with slots or without); false when it is a replica now or does not answer.</summary>
    private async Task<bool> StillMasterAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await ReplicationCheck.HistoryAsync(_source, cancellationToken).ConfigureAwait(false)).Id is not null;
        }
        catch (Exception ex) when (Retry.IsTransient(ex, cancellationToken) || ex is RespException)
        {
            return false;
        }
    }

    /// <summary>
    /// Completes once the master followed is no longer a master (a failover; the next link finds the one carrying its
    /// history); meanwhile keeps its slots as they move (a reshard: each side's stream carries its part). Every 2 s.
    /// </summary>
    private async Task<RedisEndpoint> WatchMasterAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            Topology topology;
            try
            {
                topology = await ReadTopologyAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (Retry.IsTransient(ex, cancellationToken) || ex is RespException)
            {
                // a node down during a failover: read again
                continue;
            }
            if (topology.Shards.FirstOrDefault(s => s.Master.Address == _source.Address) is { } mine)
            {
                _slots = mine.Slots;
            }
            else if (await StillMasterAsync(cancellationToken).ConfigureAwait(false))
            {
                // every slot moved away: nothing more will come, the link stays
                _slots = [];
            }
            else
            {
                return _source;
            }
            await AdoptArrivedAsync(cancellationToken).ConfigureAwait(false);
            await HandOverDepartedAsync(topology, cancellationToken).ConfigureAwait(false);
            NoteLongHolds();
        }
    }
}
