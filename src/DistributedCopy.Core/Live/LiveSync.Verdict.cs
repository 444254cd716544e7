namespace DistributedCopy.Core.Live;

// LiveSync, part 7: the cutover's checks of the feeds, of each bucket's evidence and of the key counts.
public sealed partial class LiveSync
{
    private long LastSourceKeys { get; set; }

    private long LastTargetKeys { get; set; }

    /// <summary>
    /// Every feed proven. Without a pause, a canary written after the check began must come back. With one (canaries cannot
    /// be written then; this runs after the barrier, so every notification sent before the pause has been read): no gap is
    /// open and every canary whose write ran on the master came back. Either way each node's notify-keyspace-events must
    /// still cover every write where CONFIG GET is allowed (a canary exercises only a few classes of events).
    /// </summary>
    private async Task<string> FeedsCheckAsync(bool paused, DateTime deadline, CancellationToken cancellationToken)
    {
        if (!_sync.Canary)
        {
            return paused
                ? "ok      feeds: not proven (--no-canary): every slot is compared at the cutover instead"
                : "FAILED  feeds: not proven (--no-canary) and the source's writes are not paused: nothing shows the target follows it; cut over with --pause-writes (every slot is then compared)";
        }
        var canaries = Canaries();
        string? proof;
        if (!paused)
        {
            var from = Environment.TickCount64;
            var wait = DateTime.UtcNow.AddSeconds(Math.Min(5 + Canary.Every.TotalSeconds, Math.Max(0, (deadline - DateTime.UtcNow).TotalSeconds)));
            while (canaries.Any(c => c.Canary.ProvenAt < from || c.Canary.ContinuousSince == 0) && DateTime.UtcNow < wait)
            {
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
            var stale = canaries.Where(c => c.Canary.ProvenAt < from || c.Canary.ContinuousSince == 0).ToList();
            if (stale.Count > 0)
            {
                return $"FAILED  feeds: {FeedFailures(stale)}; check notify-keyspace-events on {(stale.Count == 1 ? "it" : "them")}: once a canary comes back its slots are reconciled and a cutover can pass";
            }
            proof = $"{canaries.Count} proven now (a canary written after the check began came back through each)";
        }
        else
        {
            var broken = canaries.Where(c => c.Canary.ContinuousSince == 0 || c.Canary.RanAndLost() is not null).ToList();
            if (broken.Count > 0)
            {
                return $"FAILED  feeds: {string.Join("; ", broken.Select(c => $"{c.Node} unproven: {c.Canary.Unproven ?? c.Canary.RanAndLost()}"))}";
            }
            proof = $"{canaries.Count} proven with no gap up to the pause (every canary that ran before it came back, the barrier passed)";
        }
        var settings = await NotificationSettings.ReadAsync([.. Feeds().Select(f => f.Node)], cancellationToken).ConfigureAwait(false);
        var off = settings.Where(s => s.Missing is { Length: > 0 }).ToList();
        if (off.Count > 0)
        {
            return $"FAILED  feeds: notify-keyspace-events on {string.Join(", ", off.Select(s => $"{s.Node.Address} is \"{s.Setting}\""))}, lacking \"{off[0].Missing}\": writes are not all notified; set it to \"EA\" and cut over again";
        }
        var unread = settings.Count(s => s.Setting is null);
        return $"ok      feeds: {proof}; notify-keyspace-events {(unread == 0 ? "re-read now: covers every write" : $"not readable on {unread} node(s) (CONFIG GET refused)")}";
    }

    private static string FeedFailures(IEnumerable<(string Node, Canary Canary)> feeds) =>
        string.Join("; ", feeds.Select(c => $"{c.Node} unproven: {c.Canary.Unproven ?? "its last canary came back too long ago"}"));

    /// <summary>
    /// Every bucket covered: brought in line (snapshot, reconcile, comparison) since its feed was last proven with no gap.
    /// Those that are not are compared now (bounded by the deadline), what differs applied again, and the changes drained.
    /// </summary>
    private async Task<string> EvidenceCheckAsync(bool paused, DateTime deadline, CancellationToken cancellationToken)
    {
        var uncovered = Uncovered();
        var owned = Owned.Count();
        if (uncovered.Count == 0)
        {
            return $"ok      evidence: all {owned:N0} {BucketWord} brought in line (copied, reconciled or compared) since their feed was proven with no gap";
        }
        if (_sync.Canary && !paused && uncovered.Any(b => CanaryOfBucket(b)?.ContinuousSince is null or 0))
        {
            return $"FAILED  evidence: {uncovered.Count:N0} {BucketWord} are carried by a feed not proven now: what changed there may be missing";
        }
        var before = Stats.Repaired;
        var started = Environment.TickCount64;
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(Remaining(deadline));
        try
        {
            var comparer = _cutoverComparer ?? throw new CopyException("the sync's comparer is not open yet");
            await CompareAsync(comparer, uncovered, budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"FAILED  evidence: {uncovered.Count:N0} {BucketWord} needed a comparison at the cutover, which did not finish by the deadline: give the cutover more --timeout, or wait for the comparer's pass (`dcopy status`)";
        }
        var repaired = Stats.Repaired - before;
        if (!await DrainedAsync(deadline, cancellationToken).ConfigureAwait(false))
        {
            return $"FAILED  evidence: the {repaired:N0} difference(s) the comparison at the cutover found were not applied by the deadline";
        }
        var still = _sync.Canary ? Uncovered().Count : 0;
        return still > 0
            ? $"FAILED  evidence: {uncovered.Count:N0} {BucketWord} compared at the cutover ({repaired:N0} difference(s) found and applied again), but {still:N0} are carried by a feed not proven: changes there may still be missed"
            : $"ok      evidence: {uncovered.Count:N0} of {owned:N0} {BucketWord} compared at the cutover ({(Environment.TickCount64 - started) / 1000.0:F1} s; they were not covered since their feed's last gap), {repaired:N0} difference(s) found and applied again";
    }

    /// <summary>
    /// Key counts per bucket (per database where the shapes differ); where they differ, the keys on one side only are
    /// classified: expired or expiring within the tolerance is expiry, anything else a difference (applied again, then
    /// counted once more).
    /// </summary>
    private async Task<string> CountsCheckAsync(DateTime deadline, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(Remaining(deadline));
        try
        {
            return await CountsAsync(deadline, budget.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "FAILED  counts: the key counts could not be compared by the deadline: give the cutover more --timeout";
        }
    }

    private async Task<string> CountsAsync(DateTime deadline, CancellationToken cancellationToken)
    {
        var (source, target) = await _engine.ViewsAsync(_database, cancellationToken).ConfigureAwait(false);
        var counts = new SideCounts(source, target, _owned);
        for (var round = 1; ; round++)
        {
            var mismatched = await counts.MismatchedAsync(cancellationToken).ConfigureAwait(false);
            (LastSourceKeys, LastTargetKeys) = await counts.TotalsAsync(cancellationToken).ConfigureAwait(false);
            if (mismatched.Count == 0)
            {
                return $"ok      counts: equal in every {(_cluster ? "slot" : "database")} ({LastSourceKeys:N0} keys on each side)";
            }
            var differences = new CountDifferences(source, target, key => Bucket(key), _sync.TtlToleranceMs, _sync.CountListLimit);
            try
            {
                await differences.ClassifyAsync(mismatched, cancellationToken).ConfigureAwait(false);
            }
            catch (CountDifferences.TooManyToListException)
            {
                // a large database: the live keys of both sides counted (SCAN passes over expired keys), none held
                var (sourceLive, targetLive) = await differences.LiveKeysAsync(mismatched, cancellationToken).ConfigureAwait(false);
                return sourceLive == targetLive
                    ? $"ok      counts: {LastSourceKeys:N0} keys on the source, {LastTargetKeys:N0} on the target; alive (SCAN, which passes over expired keys) {sourceLive:N0} on each side: the counts differ by expired keys only"
                    : $"FAILED  counts: {sourceLive:N0} keys alive on the source and {targetLive:N0} on the target in the {mismatched.Count:N0} {BucketWord} whose counts differ (too many to list which): the comparer's next pass repairs them, cut over again after it";
            }
            if (differences.Real.Count == 0)
            {
                return $"ok      counts: {LastSourceKeys:N0} keys on the source, {LastTargetKeys:N0} on the target; {mismatched.Count:N0} {BucketWord} differ only by {differences.Expiring:N0} key(s) expired or expiring within {_sync.TtlToleranceMs / 1000.0:0.#} s (a paused source keeps expired keys until it runs again)";
            }
            if (round == 3 || DateTime.UtcNow >= deadline)
            {
                return $"FAILED  counts: {differences.Real.Count:N0} key(s) on one side only and not expiring (e.g. {string.Join(", ", differences.Real.Take(3).Select(k => KeyText.Printable(k)))}); {differences.Expiring:N0} more are expiry: they are applied again, cut over again";
            }
            foreach (var key in differences.Real)
            {
                _dirty.Add(Bucket(key), key);
            }
            await DrainedAsync(deadline, cancellationToken).ConfigureAwait(false);
        }
    }

    private string BucketWord => _cluster ? "slot(s)" : "database(s)";
}
