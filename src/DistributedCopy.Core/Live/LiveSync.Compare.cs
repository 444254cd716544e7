namespace DistributedCopy.Core.Live;

// LiveSync, part 8: the comparer (anti-entropy). While the sync is live it walks every bucket at a bounded rate, comparing
// each key on both sides (payload bytes, by value where encodings differ, expiry) and handing every key that differs —
// or that the target holds and the source lacks — to the applier, which re-reads it from the source: nothing is ever
// written from the comparison's own read. A bucket compared becomes covered from when its comparison began.
public sealed partial class LiveSync
{
    /// <summary>Slots compared in one go (each window's start is its slots' evidence).</summary>
    private const int CompareWindow = 256;

    /// <summary>The comparer a cutover uses at full speed, opened while the sync goes live (opening probes the target, and a paused source takes no probe).</summary>
    private Verify.Verifier? _cutoverComparer;

    private async Task CompareLoopAsync(CancellationToken cancellationToken)
    {
        if (_sync.CompareKeysPerSecond <= 0)
        {
            return;
        }
        var limiter = new RateLimiter(_sync.CompareKeysPerSecond);
        await using var comparer = await OpenComparerAsync(limiter.TakeAsync, cancellationToken).ConfigureAwait(false);
        string? failed = null;
        while (true)
        {
            try
            {
                await CompareAsync(comparer, [.. Owned], cancellationToken).ConfigureAwait(false);
                Stats.AddPass();
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // a pass that fails (a failover, a stall) only leaves its buckets as they were: the sync's own loops
                // report a source or target gone for good, and the next pass starts over
                if (ex.Message != failed)
                {
                    _engine.Progress.AddNote($"a comparer pass stopped ({ex.Message}); the next one starts over");
                    failed = ex.Message;
                }
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A verifier of this sync's two sides whose differences become changes to apply; <paramref name="throttle"/> bounds its rate.</summary>
    private Task<Verify.Verifier> OpenComparerAsync(Func<int, CancellationToken, ValueTask>? throttle, CancellationToken cancellationToken) =>
        Verify.Verifier.OpenAsync(_sourceEndpoint, _targetEndpoint, _options with { Throttle = throttle, PipelinesPerShard = 1, BatchSize = Math.Min(_options.BatchSize, 200) },
            _sync.TtlToleranceMs, key =>
            {
                var bucket = Bucket(key);
                if (_owned[bucket])
                {
                    Stats.AddRepaired();
                    _dirty.Add(bucket, key);
                }
            }, cancellationToken);

    /// <summary>Compares the buckets (a window of slots at a time, or the database), each covered from when its window began.</summary>
    private async Task CompareAsync(Verify.Verifier comparer, IReadOnlyList<int> buckets, CancellationToken cancellationToken)
    {
        var done = 0;
        foreach (var window in buckets.Chunk(_cluster ? CompareWindow : 1))
        {
            var started = Environment.TickCount64;
            var before = comparer.Result.Compared;
            if (_cluster)
            {
                await comparer.VerifySlotsAsync(SlotRange.Of(window), null, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await comparer.VerifyDatabaseAsync(_database, ScanPosition.Start, null, cancellationToken).ConfigureAwait(false);
            }
            Stats.AddCompared(comparer.Result.Compared - before);
            foreach (var bucket in window)
            {
                // a bucket being reconciled gets its evidence from the reconcile
                if (Volatile.Read(ref _ready[bucket]))
                {
                    InterlockedMax(ref _evidence[bucket], started);
                }
            }
            done += window.Length;
            Stats.PassShare = (double)done / buckets.Count;
        }
    }

    private static void InterlockedMax(ref long location, long value)
    {
        var current = Volatile.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }
            current = seen;
        }
    }
}
