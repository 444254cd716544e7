namespace DistributedCopy.Core.Live;

// LiveSync, part 4: the cutover. Optionally the source's writes are paused (CLIENT PAUSE … WRITE); every notification sent
// before that moment is read (a PING through each subscription); the changes are drained; a last count sweep; the report.
public sealed partial class LiveSync
{
    /// <summary>
    /// Ends the sync once the target has caught up. With <paramref name="pauseWrites"/> the source masters stop taking writes
    /// first, so the target ends identical; they are released at the end unless <paramref name="hold"/> is given, for which
    /// they stay paused (so the application can be switched with no write lost). Without the pause, reports the lag reached.
    /// <paramref name="pausedByCaller"/>: the caller paused every source master already (a silo cluster's coordinator,
    /// for all its workers) and releases them; the cutover drains and checks as if it had paused them itself.
    /// </summary>
    public async Task<CutoverReport> CutoverAsync(bool pauseWrites = false, TimeSpan? hold = null, TimeSpan? timeout = null, bool pausedByCaller = false, CancellationToken cancellationToken = default)
    {
        var limit = timeout ?? TimeSpan.FromMinutes(2);
        var deadline = DateTime.UtcNow + limit;
        var checks = new List<string>();
        while (!Stats.Live)
        {
            if (DateTime.UtcNow > deadline || _stop.IsCancellationRequested)
            {
                throw new CopyException($"the sync cannot be cut over: its snapshot has not finished{(_stop.IsCancellationRequested ? " (the sync has stopped)" : $" within {limit.TotalSeconds:0} s")}");
            }
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
        var feeds = Feeds();
        var shards = (_cluster ? OwningShards(_engine.Source.Topology) : _engine.Source.Topology.Shards.Take(1)).ToList();
        var masters = _cluster ? shards.Select(s => s.Master).ToList() : [_engine.Source.Seed];
        var paused = pausedByCaller || (pauseWrites && await WritePause.PauseAsync(masters, limit + (hold ?? TimeSpan.Zero), checks, cancellationToken).ConfigureAwait(false));
        if (paused && shards.Any(s => s.Replica is not null))
        {
            // read from replicas: each must hold every write its master took before the pause
            await WritePause.ReplicasCaughtUpAsync(shards.Where(s => s.Replica is not null).Select(s => (s.Master, s.Replica!)).ToList(), deadline, checks, cancellationToken).ConfigureAwait(false);
        }
        var barrier = Task.WhenAll(feeds.Select(f => f.BarrierAsync()));
        if (await Task.WhenAny(barrier, Task.Delay(limit, cancellationToken)).ConfigureAwait(false) == barrier)
        {
            checks.Add($"every notification sent before the {(paused ? "pause" : "cutover")} was read ({feeds.Count} subscription(s))");
        }
        var (source, target) = await _engine.ViewsAsync(_database, cancellationToken).ConfigureAwait(false);
        var counts = new SideCounts(source, target, _owned);
        for (var round = 1; round <= 3 && DateTime.UtcNow < deadline; round++)
        {
            await DrainedAsync(deadline, cancellationToken).ConfigureAwait(false);
            var mismatched = await counts.MismatchedAsync(cancellationToken).ConfigureAwait(false);
            if (mismatched.Count == 0 || !paused || round == 3)
            {
                checks.Add(mismatched.Count == 0 ? $"key counts equal in every {(_cluster ? "slot" : "database")} (round {round})" : $"{mismatched.Count} {(_cluster ? "slot(s)" : "database(s)")} differ in key count{(paused ? " after 3 reconciles (keys expiring while paused?)" : " while writes go on")}");
                break;
            }
            Reconcile(mismatched);
        }
        var (sourceKeys, targetKeys) = await counts.TotalsAsync(cancellationToken).ConfigureAwait(false);
        var pending = _dirty.Count;
        var report = new CutoverReport(DateTimeOffset.UtcNow, pending == 0 && paused ? 0 : _dirty.OldestAgeMs() / 1000.0, pending, sourceKeys, targetKeys, paused, checks);
        if (paused && !pausedByCaller && hold is null)
        {
            await WritePause.UnpauseAsync(masters, checks, cancellationToken).ConfigureAwait(false);
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        return report;
    }

    /// <summary>Waits until no change waits, no reconcile is asked or running and the applier is idle (or the deadline).</summary>
    private async Task DrainedAsync(DateTime deadline, CancellationToken cancellationToken)
    {
        while (DateTime.UtcNow < deadline)
        {
            bool queued;
            lock (_lock)
            {
                queued = _toReconcile.Count > 0;
            }
            if (!queued && Volatile.Read(ref _reconciling) == 0 && _dirty.Count == 0 && Volatile.Read(ref _busy) == 0)
            {
                return;
            }
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }
}
