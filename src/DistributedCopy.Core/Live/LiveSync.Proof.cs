namespace DistributedCopy.Core.Live;

// LiveSync, part 6: the evidence. Canaries prove each feed; each bucket knows when it was last brought in line; a bucket is
// covered when its feed has been proven with no gap since before that moment.
public sealed partial class LiveSync
{
    /// <summary>Every second: a canary through each feed (unless --no-canary), and those overdue judged.</summary>
    private async Task CanaryLoopAsync(CancellationToken cancellationToken)
    {
        if (!_sync.Canary)
        {
            return;
        }
        while (true)
        {
            foreach (var (node, canary) in Canaries())
            {
                canary.Check();
                if (CanaryTarget(node) is { } target)
                {
                    // a write still waiting (a paused master) holds only its own feed's next canary
                    canary.BeatIfIdle(target.Master, target.Slot, _database, cancellationToken);
                }
            }
            await Task.Delay(Canary.Every, cancellationToken).ConfigureAwait(false);
        }
    }

    private List<(string Node, Canary Canary)> Canaries()
    {
        lock (_lock)
        {
            return [.. _canaries.Select(c => (c.Key, c.Value))];
        }
    }

    /// <summary>Where a feed's canary is written: the master of the shard read through <paramref name="node"/>, and a slot of it.</summary>
    private (RedisEndpoint Master, int Slot)? CanaryTarget(string node)
    {
        if (!_cluster)
        {
            return (_engine.Source.Seed, 0);
        }
        var shard = _engine.Source.Topology.Shards.FirstOrDefault(s => s.ReadNode.Address == node);
        return shard is null || shard.Slots.Count == 0 ? null : (shard.Master, shard.Slots[0].Start);
    }

    /// <summary>The first feed not proven now, with why ("node: reason"); null when every feed is (never with --no-canary).</summary>
    private string? UnprovenFeed()
    {
        if (!_sync.Canary)
        {
            return "no canary is written (--no-canary): nothing proves the feeds";
        }
        foreach (var (node, canary) in Canaries())
        {
            if (canary.Unproven is { } reason)
            {
                return $"{node}: {reason}";
            }
        }
        return null;
    }

    /// <summary>The canary of the feed that carries <paramref name="bucket"/>'s changes (null: none follows it now).</summary>
    private Canary? CanaryOfBucket(int bucket)
    {
        if (!_cluster)
        {
            return Canaries().Select(c => c.Canary).FirstOrDefault();
        }
        var shard = _engine.Source.Topology.ShardFor(bucket);
        return shard < 0 ? null : CanaryOf(_engine.Source.Topology.Shards[shard].ReadNode.Address);
    }

    /// <summary>
    /// Buckets not covered by evidence: never brought in line, or brought in line before their feed's last gap closed (so
    /// changes in the gap may be missing). With --no-canary no feed is proven: every bucket is uncovered.
    /// </summary>
    private List<int> Uncovered()
    {
        var uncovered = new List<int>();
        foreach (var bucket in Owned)
        {
            var since = _sync.Canary ? CanaryOfBucket(bucket)?.ContinuousSince ?? 0 : 0;
            var evidence = Volatile.Read(ref _evidence[bucket]);
            if (since == 0 || evidence == 0 || evidence < since)
            {
                uncovered.Add(bucket);
            }
        }
        return uncovered;
    }

    /// <summary>
    /// Each sweep, where CONFIG GET is allowed: a feed whose node's notify-keyspace-events no longer covers every write is
    /// unproven (a canary only exercises a few classes of events).
    /// </summary>
    private async Task RecheckSettingsAsync(CancellationToken cancellationToken)
    {
        var feeds = Feeds();
        foreach (var (node, _, missing) in await NotificationSettings.ReadAsync([.. feeds.Select(f => f.Node)], cancellationToken).ConfigureAwait(false))
        {
            if (missing is { Length: > 0 } && CanaryOf(node.Address) is { } canary)
            {
                canary.SettingLacks($"notify-keyspace-events on it lacks \"{missing}\": some writes are not notified");
            }
        }
    }

    /// <summary>Waits until no reconcile is queued or running (a resumed sync's first one).</summary>
    private async Task ReconciledAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            bool queued;
            lock (_lock)
            {
                queued = _toReconcile.Count > 0;
            }
            if (!queued && Volatile.Read(ref _reconciling) == 0)
            {
                return;
            }
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }
}
