namespace DistributedCopy.Core.Live;

// LiveSync, part 2: the applier, the reconciler and the count sweep, each a loop until the sync ends.
public sealed partial class LiveSync
{
    private int _reconciling;
    private int _inFlight;
    private long _inFlightSince;

    private double Lag()
    {
        var since = Interlocked.Read(ref _inFlightSince);
        return Math.Max(_dirty.OldestAgeMs(), since == 0 ? 0 : Environment.TickCount64 - since) / 1000.0;
    }

    private async Task ApplyLoopAsync(ChangeApplier applier, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Interlocked.Exchange(ref _busy, 1);
            var taken = _dirty.Take(applier.Capacity, bucket => Volatile.Read(ref _ready[bucket]), out var oldest);
            if (taken.Count == 0)
            {
                Interlocked.Exchange(ref _busy, 0);
                await Task.Delay(5, cancellationToken).ConfigureAwait(false);
                continue;
            }
            Interlocked.Exchange(ref _inFlightSince, oldest);
            Interlocked.Exchange(ref _inFlight, taken.Count);
            var (written, deleted) = await applier.ApplyAsync(taken.Select(t => t.Key).ToList(), cancellationToken).ConfigureAwait(false);
            Interlocked.Exchange(ref _inFlight, 0);
            Interlocked.Exchange(ref _inFlightSince, 0);
            Stats.AddApplied(written, deleted);
        }
    }

    /// <summary>Reconciles what was asked, once the snapshot is done: each bucket is copied again, then what the target holds and the source lacks is deleted.</summary>
    private async Task ReconcileLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            if (!Stats.Live && !_sync.Resuming)
            {
                continue;
            }
            int[] buckets;
            lock (_lock)
            {
                buckets = [.. _toReconcile];
                _toReconcile.Clear();
                Interlocked.Exchange(ref _reconciling, buckets.Length > 0 ? 1 : 0);
            }
            if (buckets.Length == 0)
            {
                continue;
            }
            foreach (var bucket in buckets)
            {
                Volatile.Write(ref _ready[bucket], false);
            }
            var started = Environment.TickCount64;
            Stats.AddReconciles(buckets.Length);
            try
            {
                if (_cluster)
                {
                    await _engine.CopySlotsAsync(SlotRange.Of(buckets), slotCompleted: null, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await _engine.CopyDatabaseAsync(_database, ScanPosition.Start, cursorCommitted: null, cancellationToken).ConfigureAwait(false);
                }
                await MarkExtrasAsync(buckets.ToHashSet(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (Retry.IsTransient(ex, cancellationToken) || ex is RetriesExhaustedException { InnerException: Resilience.TopologyChangedException })
            {
                // a failover under way (slots with no master for a moment): the same buckets again, once the topology is read again
                Progress.AddError(ex);
                Reconcile(buckets);
                Interlocked.Exchange(ref _reconciling, 0);
                await Task.Delay(500, cancellationToken).ConfigureAwait(false);
                try
                {
                    await _engine.Source.RefreshAsync(_engine.Source.Version, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception again) when (Retry.IsTransient(again, cancellationToken) || again is RespException)
                {
                    // read again before the next attempt
                }
                continue;
            }
            foreach (var bucket in buckets)
            {
                Volatile.Write(ref _evidence[bucket], started);
                Volatile.Write(ref _ready[bucket], true);
            }
            Interlocked.Exchange(ref _reconciling, 0);
        }
    }

    /// <summary>
    /// After buckets are copied again: what the target holds there and the source lacks is marked changed, so the applier
    /// deletes it (checking the source once more, in order with every other change).
    /// </summary>
    private Task MarkExtrasAsync(HashSet<int> buckets, CancellationToken cancellationToken) =>
        _engine.FindExtrasAsync(_database, _cluster ? SlotRange.Of(buckets) : [new SlotRange(0, HashSlot.Count - 1)], key =>
        {
            // a standalone target is scanned whole: only keys of the buckets reconciled count
            var bucket = Bucket(key);
            if (buckets.Contains(bucket))
            {
                _dirty.Add(bucket, key);
            }
        }, _changes, cancellationToken);

    /// <summary>Every few seconds: buckets whose key counts differ on two sweeps running (with nothing of theirs waiting) are reconciled.</summary>
    private async Task SweepLoopAsync(ClusterView source, ClusterView target, CancellationToken cancellationToken)
    {
        var suspects = new HashSet<int>();
        var sampler = new KeySampler();
        var budget = new RetryBudget(_options.RetryBudget);
        while (true)
        {
            await Task.Delay(_sync.SweepEvery, cancellationToken).ConfigureAwait(false);
            try
            {
                await FollowMastersAsync(source, cancellationToken).ConfigureAwait(false);
                await RecheckSettingsAsync(cancellationToken).ConfigureAwait(false);
                var counts = new SideCounts(source, target, _owned);
                var mismatched = (await counts.MismatchedAsync(cancellationToken).ConfigureAwait(false))
                    .Where(b => Volatile.Read(ref _ready[b]) && !_dirty.Has(b)).ToHashSet();
                var confirmed = mismatched.Where(suspects.Contains).ToList();
                Reconcile(confirmed);
                suspects = [.. mismatched.Except(confirmed)];
                // equal counts can hide other keys (SWAPDB of two databases of one size): sampled keys the target lacks
                var nodes = _cluster ? OwningShards(source.Topology).Select(s => s.ReadNode).ToList() : [StandaloneReadNode];
                Reconcile(await sampler.MissingAsync(source, target, nodes, key => Bucket(key),
                    key => Bucket(key) is var b && _owned[b] && Volatile.Read(ref _ready[b]) && !_dirty.Contains(b, key), cancellationToken).ConfigureAwait(false));
                budget.Succeeded();
            }
            catch (Exception ex) when (Retry.IsTransient(ex, cancellationToken) || ex is TimeoutException)
            {
                // a node failing over or a slot moving: the next sweep looks again, for as long as the retry budget lasts
                // (a source gone for good ends the sync with the reason, rather than following nothing)
                _changes.AddError(ex);
                budget.Failed(ex);
            }
        }
    }
}
