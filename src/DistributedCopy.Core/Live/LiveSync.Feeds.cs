namespace DistributedCopy.Core.Live;

// LiveSync, part 5: the subscriptions, one per source master, followed through failovers and reshards.
public sealed partial class LiveSync
{
    /// <summary>The subscriptions in place, one per source master.</summary>
    private List<ChangeFeed> Feeds()
    {
        lock (_lock)
        {
            return [.. _feeds.Values.Select(f => f.Feed)];
        }
    }

    /// <summary>Subscribes to a node's notifications (a master, or the replica read from); returns the feed.</summary>
    private ChangeFeed Follow(RedisEndpoint master, CancellationToken cancellationToken)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var canary = new Canary(_token, Reproven);
        // each (re)subscription checks the node's notify-keyspace-events first: a restarted server forgets a CONFIG SET
        var feed = new ChangeFeed(master, _database, key => Changed(canary, key), Resubscribed, (node, token) => NotificationSettings.EnsureAsync([node], _sync.ConfigureNotifications, token),
            _options.RetryBudget, canary.Failing, canary.Subscribed);
        lock (_lock)
        {
            _canaries[master.Address] = canary;
            _feeds[master.Address] = (feed, stop, Watch(feed.RunAsync(stop.Token)));
        }
        return feed;
    }

    /// <summary>
    /// After a failover or a reshard: subscriptions to masters that are new, then their slots reconciled (what they took
    /// while nobody listened); subscriptions to nodes that are no longer masters are dropped.
    /// </summary>
    private async Task FollowMastersAsync(ClusterView source, CancellationToken cancellationToken)
    {
        if (!_cluster)
        {
            return;
        }
        await source.RefreshAsync(source.Version, cancellationToken).ConfigureAwait(false);
        var shards = OwningShards(source.Topology).ToList();
        List<(ChangeFeed Feed, CancellationTokenSource Stop, Task Run)> gone;
        lock (_lock)
        {
            gone = [.. _feeds.Where(f => shards.All(s => s.ReadNode.Address != f.Key)).Select(f => f.Value)];
            foreach (var feed in gone)
            {
                _feeds.Remove(feed.Feed.Node.Address);
            }
        }
        foreach (var (feed, stop, run) in gone)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await run.ConfigureAwait(false);
            await DropCanaryAsync(feed.Node.Address).ConfigureAwait(false);
        }
        foreach (var shard in shards.Where(s => !Feeds().Any(f => f.Node.Address == s.ReadNode.Address)))
        {
            // a promoted replica may not have the setting its master had
            await NotificationSettings.EnsureAsync([shard.ReadNode], _sync.ConfigureNotifications, cancellationToken).ConfigureAwait(false);
            var feed = Follow(shard.ReadNode, cancellationToken);
            try
            {
                await feed.Subscribed.WaitAsync(_engine.Source.Seed.Timeout * 3, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // not followed until its slots are reconciled: dropped, so the next sweep starts over with it
                (CancellationTokenSource Stop, Task Run) entry;
                lock (_lock)
                {
                    (_, entry.Stop, entry.Run) = _feeds[shard.ReadNode.Address];
                    _feeds.Remove(shard.ReadNode.Address);
                }
                await entry.Stop.CancelAsync().ConfigureAwait(false);
                await entry.Run.ConfigureAwait(false);
                await DropCanaryAsync(shard.ReadNode.Address).ConfigureAwait(false);
                throw;
            }
            Stats.AddResubscribe();
            Reconcile(shard.Slots.SelectMany(r => Enumerable.Range(r.Start, r.Count)).Where(b => _owned[b]));
        }
    }

    private void Resubscribed(ChangeFeed feed)
    {
        Stats.AddResubscribe();
        // what the node wrote while nobody listened is unknown: its slots are copied again
        ReconcileFeed(feed.Node.Address);
    }

    /// <summary>A feed proven again after a gap (a canary lost, a subscription that could not be made): what it missed is copied again.</summary>
    private void Reproven(Canary canary)
    {
        string? address;
        lock (_lock)
        {
            address = _canaries.FirstOrDefault(c => c.Value == canary).Key;
        }
        if (address is not null)
        {
            Stats.AddReproven();
            ReconcileFeed(address);
        }
    }

    /// <summary>Reconciles the slots (this sync follows) of the shard read through <paramref name="node"/>.</summary>
    private void ReconcileFeed(string node)
    {
        var shard = _engine.Source.Topology.Shards.FirstOrDefault(s => s.ReadNode.Address == node);
        Reconcile(!_cluster ? [0] : shard is null ? Owned : shard.Slots.SelectMany(r => Enumerable.Range(r.Start, r.Count)).Where(b => _owned[b]));
    }

    private async Task DropCanaryAsync(string node)
    {
        Canary? canary;
        lock (_lock)
        {
            _canaries.Remove(node, out canary);
        }
        if (canary is not null)
        {
            await canary.DisposeAsync().ConfigureAwait(false);
        }
    }

    private Canary? CanaryOf(string node)
    {
        lock (_lock)
        {
            return _canaries.GetValueOrDefault(node);
        }
    }

    private async Task WhenSubscribedAsync(CancellationToken cancellationToken)
    {
        var all = Task.WhenAll(Feeds().Select(f => f.Subscribed));
        var timeout = _engine.Source.Seed.Timeout * 3;
        if (await Task.WhenAny(all, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false) != all)
        {
            var failing = Feeds().First(f => !f.Subscribed.IsCompleted);
            throw new RedisConnectException($"cannot subscribe to keyspace notifications on {failing.Node.Address} within {timeout.TotalSeconds:0} s: {failing.LastError ?? "no answer"}");
        }
    }
}
