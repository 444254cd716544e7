namespace DistributedCopy.Core.Live;

// LiveSync, part 4: the cutover, a verdict from evidence. Each check is a line with its figures, "ok" or "FAILED"; any wait
// that runs out is a failed check. The sync ends only when every check passed (and the cutover is not a dry run).
public sealed partial class LiveSync
{
    /// <summary>
    /// Cuts over a sync this process runs alone: with <paramref name="pauseWrites"/> the source masters (of a topology read
    /// now) stop taking writes for as long as the checks take; when every check passes the pause lasts <paramref name="hold"/>
    /// more (or ends at once) and the sync ends; when one fails the pause ends at once and the sync goes on.
    /// <paramref name="dryRun"/>: the same checks, without pausing or ending anything.
    /// </summary>
    public async Task<CutoverReport> CutoverAsync(bool pauseWrites = false, TimeSpan? hold = null, TimeSpan? timeout = null, bool dryRun = false, CancellationToken cancellationToken = default)
    {
        var lines = new List<string>();
        PauseLease? pause = null;
        if (pauseWrites && !dryRun)
        {
            var masters = await ClusterView.MastersAsync(_engine.Source.Seed, cancellationToken).ConfigureAwait(false);
            pause = await PauseLease.StartAsync(masters, lines, cancellationToken).ConfigureAwait(false);
            if (pause is null)
            {
                return Report(lines, false, dryRun, null);
            }
        }
        await using (pause)
        {
            var report = await CheckAsync(pause is not null, dryRun, timeout ?? TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
            lines.AddRange(report.Checks);
            if (pause is not null)
            {
                // renewals stop first, so a lapse cannot come after it was looked at (the pause still has up to 2 s)
                await pause.FreezeAsync().ConfigureAwait(false);
                lines.Add(await PauseCheckAsync(pause, cancellationToken).ConfigureAwait(false));
            }
            var passed = Passed(lines);
            DateTime? until = null;
            if (pause is not null && passed && hold is { } h && h > TimeSpan.Zero)
            {
                until = await pause.HoldAsync(h, lines).ConfigureAwait(false);
            }
            else if (pause is not null)
            {
                await pause.ReleaseAsync(lines).ConfigureAwait(false);
            }
            if (passed && !dryRun)
            {
                await StopAsync().ConfigureAwait(false);
            }
            return Report(lines, pause is not null, dryRun, until);
        }
    }

    /// <summary>Whether the pause held on the masters it was set on, and those are still the masters (a topology read now).</summary>
    public static async Task<string> PauseCheckAsync(PauseLease pause, CancellationToken cancellationToken)
    {
        if (pause.Lapse is { } lapse)
        {
            return $"FAILED  pause: {lapse}: writes may have been taken while the checks ran; cut over again";
        }
        var now = await ClusterView.MastersAsync(pause.Masters[0], cancellationToken).ConfigureAwait(false);
        var moved = now.Select(m => m.Address).Except(pause.Masters.Select(m => m.Address)).ToList();
        return moved.Count > 0
            ? $"FAILED  pause: {string.Join(", ", moved)} became master(s) during the cutover and were never paused (a failover): cut over again"
            : $"ok      pause: writes held paused on {pause.Masters.Count} master(s) ({string.Join(", ", pause.Masters.Select(m => m.Address))}) of a topology read before and after, {pause.Renewals} renewal(s) without a lapse";
    }

    /// <summary>None: a sync taken up again reconciles every slot.</summary>
    public string? Position => null;

    /// <summary>Nothing to do: a cutover's checks change nothing.</summary>
    public Task FollowingAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Canaries leave nothing behind.</summary>
    public Task CompleteAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    /// <summary>Ends the sync (its loops and subscriptions stop).</summary>
    public Task StopAsync() => _stop.CancelAsync();

    /// <summary>
    /// The cutover's checks over this sync's buckets. <paramref name="paused"/>: the caller paused every source master and
    /// keeps them paused until this returns. Neither pauses nor ends anything; whatever goes wrong is a failed check.
    /// </summary>
    public async Task<CutoverReport> CheckAsync(bool paused, bool dryRun, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        var lines = new List<string>();
        while (!Stats.Live && DateTime.UtcNow < deadline && !_stop.IsCancellationRequested)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
        if (!Stats.Live)
        {
            lines.Add($"FAILED  live: {(_sync.Resuming ? "the resumed sync is still reconciling its slots" : "the snapshot has not finished")}{(_stop.IsCancellationRequested ? " (the sync has stopped)" : $" after {timeout.TotalSeconds:0} s")}: cut over once `dcopy status` says live");
            return Report(lines, paused, dryRun, null);
        }
        var feeds = Feeds();
        var changesBefore = Stats.Changes;
        if (paused)
        {
            foreach (var (_, canary) in Canaries())
            {
                canary.Suspend();
            }
        }
        try
        {
            var shards = (_cluster ? OwningShards(_engine.Source.Topology) : _engine.Source.Topology.Shards.Take(1)).Where(s => s.Replica is not null).ToList();
            if (paused && shards.Count > 0)
            {
                // read from replicas: each must hold every write its master took before the pause (before the barrier,
                // so the notifications of what it applies last are read too)
                var replicas = new List<string>();
                var caughtUp = await WritePause.ReplicasCaughtUpAsync([.. shards.Select(s => (s.Master, s.Replica!))], deadline, replicas, cancellationToken).ConfigureAwait(false);
                lines.AddRange(replicas.Select(r => (caughtUp ? "ok      replicas: " : "FAILED  replicas: ") + r));
            }
            var barrier = Task.WhenAll(feeds.Select(f => f.BarrierAsync()));
            lines.Add(await Task.WhenAny(barrier, Task.Delay(Remaining(deadline), cancellationToken)).ConfigureAwait(false) == barrier
                ? $"ok      barrier: every notification sent before the {(paused ? "pause" : "check")} was read ({feeds.Count} subscription(s), a PING through each)"
                : $"FAILED  barrier: a subscription did not answer its PING within {timeout.TotalSeconds:0} s");
            lines.Add(await FeedsCheckAsync(paused, deadline, cancellationToken).ConfigureAwait(false));
            if (!paused && !dryRun)
            {
                // the sync ends with this cutover: writes still arriving would be lost to it
                lines.Add(Stats.Changes == changesBefore
                    ? "ok      quiet: no write to the source was notified while the checks ran"
                    : $"FAILED  quiet: {Stats.Changes - changesBefore:N0} write(s) to the source were notified while the checks ran: the application still writes; stop it, or cut over with --pause-writes");
            }
            lines.Add(await DrainCheckAsync(deadline, cancellationToken).ConfigureAwait(false));
            lines.Add(await EvidenceCheckAsync(paused, deadline, cancellationToken).ConfigureAwait(false));
            lines.Add(await CountsCheckAsync(deadline, cancellationToken).ConfigureAwait(false));
        }
        finally
        {
            if (paused)
            {
                foreach (var (_, canary) in Canaries())
                {
                    canary.Resume();
                }
            }
        }
        return Report(lines, paused, dryRun, null);
    }

    private async Task<string> DrainCheckAsync(DateTime deadline, CancellationToken cancellationToken) =>
        await DrainedAsync(deadline, cancellationToken).ConfigureAwait(false)
            ? "ok      drained: nothing dirty, nothing being applied, no reconcile queued or running"
            : $"FAILED  drained: by the deadline {_dirty.Count:N0} changed key(s) waited, {Volatile.Read(ref _inFlight):N0} were being applied{(Volatile.Read(ref _reconciling) > 0 ? ", a reconcile was running" : "")}: give the cutover more --timeout, or cut over when the write rate is lower";

    private CutoverReport Report(List<string> lines, bool paused, bool dryRun, DateTime? heldUntil) =>
        new(DateTimeOffset.UtcNow, _dirty.Count == 0 ? 0 : _dirty.OldestAgeMs() / 1000.0, _dirty.Count + Volatile.Read(ref _inFlight), LastSourceKeys, LastTargetKeys, paused, lines)
        {
            Passed = Passed(lines),
            DryRun = dryRun,
            HeldUntil = heldUntil,
        };

    public static bool Passed(IEnumerable<string> lines) => lines.Any() && !lines.Any(l => l.StartsWith("FAILED", StringComparison.Ordinal));

    private static TimeSpan Remaining(DateTime deadline) => deadline - DateTime.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;

    /// <summary>Waits until no change waits, no reconcile is asked or running and the applier is idle; false at the deadline.</summary>
    private async Task<bool> DrainedAsync(DateTime deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            bool queued;
            lock (_lock)
            {
                queued = _toReconcile.Count > 0;
            }
            if (!queued && Volatile.Read(ref _reconciling) == 0 && _dirty.Count == 0 && Volatile.Read(ref _busy) == 0)
            {
                return true;
            }
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }
}
