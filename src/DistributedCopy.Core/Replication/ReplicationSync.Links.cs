using DistributedCopy.Core.Pipelines;

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
        if (_idle)
        {
            // a reshard merged this partition's master into an earlier partition's: that link follows it, this one waits
            _progress.AddNote($"slot {FirstSlot} is served by {_source.Address} now, which an earlier partition's link follows (a reshard merged two masters): this partition follows nothing until that changes");
            Stats.Live = true;
            await WatchMasterAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        if (before.Address != _source.Address)
        {
            _progress.AddNote($"{before.Address} no longer serves slot {FirstSlot} (a failover): {_source.Address} is followed from offset {from?.Offset ?? 0:N0}");
        }
        _link = await ReplicationLink.OpenAsync(_source, from, cancellationToken).ConfigureAwait(false);
        var mirror = new ReplicationMirror(_database, _targetDatabase, _sync.Name) { Slots = _slots, Acknowledge = _options };
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
        var topology = (await Topology.ReadAsync(_seed, cancellationToken).ConfigureAwait(false)).WithAddressMap(_options.AddressMap);
        var index = topology.ShardFor(FirstSlot) is var found and >= 0 ? found : throw new TopologyChangedException($"no master serves slot {FirstSlot} of the source");
        (_source, _slots, _idle) = (topology.Shards[index].Master, topology.Shards[index].Slots, Taken(topology, index));
    }

    /// <summary>An earlier partition's first slot is on master <paramref name="index"/> too: that partition follows it.</summary>
    private bool Taken(Topology topology, int index) => _sync.PeerSlots.Any(slot => topology.ShardFor(slot) == index);

    /// <summary>
    /// Completes with the new master once another one serves the partition's first slot, or an earlier partition's link
    /// starts or stops following this one's master (the topology read every 2 s).
    /// </summary>
    private async Task<RedisEndpoint> WatchMasterAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            Topology topology;
            try
            {
                topology = (await Topology.ReadAsync(_seed, cancellationToken).ConfigureAwait(false)).WithAddressMap(_options.AddressMap);
            }
            catch (Exception ex) when (Retry.IsTransient(ex, cancellationToken) || ex is RespException)
            {
                // a node down during a failover: read again
                continue;
            }
            if (topology.ShardFor(FirstSlot) is var index and >= 0 && topology.Shards[index] is var shard)
            {
                if (shard.Master.Address != _source.Address || Taken(topology, index) != _idle)
                {
                    return shard.Master;
                }
                // slots moved in or out (a reshard): each master's stream carries its own side of it
                _slots = shard.Slots;
            }
        }
    }

    public Task StopAsync() => _stop.CancelAsync();
}
