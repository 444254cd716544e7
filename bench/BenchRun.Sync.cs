using System.Diagnostics;
using DistributedCopy.Core;
using DistributedCopy.Testing;

namespace DistributedCopy.Bench;

// BenchRun, part 4: live sync under a steady write load. The snapshot's rate with the load running (against the engine's
// row without load, the same run), then the lag sampled every 100 ms while the load goes on (with the source servers' CPU
// and, with the comparer on, the keys it compared), the comparer's first full pass timed, then a cutover with the
// source's writes paused, which must end in sync.
internal static partial class BenchRun
{
    private static async Task<string> SyncRowAsync(RedisCluster source, RedisCluster target, long keys, double unloadedKeysPerSecond, int writesPerSecond, int hotKeys, int compareRate)
    {
        await FlushAsync(target);
        await using var load = await LoadWriter.StartAsync(source.Endpoint, writesPerSecond, hotKeys);
        await using var sync = await LiveSync.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions(),
            new SyncOptions { ConfigureNotifications = true, CompareKeysPerSecond = compareRate });
        var clock = Stopwatch.StartNew();
        var run = sync.RunAsync();
        while (!sync.Stats.Live && !run.IsCompleted)
        {
            await Task.Delay(20);
        }
        var snapshotSeconds = clock.Elapsed.TotalSeconds;
        // the changes made during the snapshot wait for their slots: the catch-up, then the steady state is sampled
        while (sync.Stats.Pending > writesPerSecond / 10 && clock.Elapsed.TotalSeconds < snapshotSeconds + 60 && !run.IsCompleted)
        {
            await Task.Delay(20);
        }
        var catchUpSeconds = clock.Elapsed.TotalSeconds - snapshotSeconds;
        var lags = new List<double>();
        var sourceCpu = SourceCpu(source);
        var (applied, compared, at, writesBefore) = (sync.Stats.Applied, sync.Stats.Compared, clock.Elapsed, load.Writes);
        while (clock.Elapsed - at < TimeSpan.FromSeconds(15) && !run.IsCompleted)
        {
            await Task.Delay(100);
            lags.Add(sync.Stats.LagSeconds);
        }
        var window = (clock.Elapsed - at).TotalSeconds;
        var appliedPerSecond = (sync.Stats.Applied - applied) / window;
        var cpuShare = (SourceCpu(source) - sourceCpu) / window;
        var written = load.Writes - writesBefore;
        compared = sync.Stats.Compared - compared;
        var pass = "";
        if (compareRate > 0)
        {
            // the first full pass, timed from the sync's start (the comparer starts once it is live)
            var limit = snapshotSeconds + ((keys + hotKeys) * 1.5 / compareRate) + 60;
            while (sync.Stats.ComparePasses == 0 && clock.Elapsed.TotalSeconds < limit && !run.IsCompleted)
            {
                await Task.Delay(200);
            }
            pass = FormattableString.Invariant($"; the comparer compared {compared / window:N0} keys/s in the window") + (sync.Stats.ComparePasses > 0
                ? FormattableString.Invariant($" and finished its first full pass (the {keys:N0} keys and the load's) {clock.Elapsed.TotalSeconds - snapshotSeconds:F0} s after going live, {sync.Stats.Compared:N0} keys compared, {sync.Stats.Repaired:N0} repaired")
                : FormattableString.Invariant($" and did not finish a pass within {limit - snapshotSeconds:F0} s ({sync.Stats.PassShare:P0} done)"));
        }
        var writes = load.Writes;
        var report = await sync.CutoverAsync(pauseWrites: true);
        await run;
        lags.Sort();
        var line = FormattableString.Invariant(
            $"Live sync under {writesPerSecond:N0} writes/s over {hotKeys:N0} hot keys ({writes:N0} written), comparer {(compareRate > 0 ? $"at {compareRate:N0} keys/s" : "off")}: snapshot {keys / snapshotSeconds:N0} keys/s = {keys / snapshotSeconds / unloadedKeysPerSecond:F2} × the engine without load; caught up {catchUpSeconds:F2} s after it; then lag p50 {lags[lags.Count / 2]:F3} s, p99 {lags[(int)(lags.Count * 0.99)]:F3} s, max {lags[^1]:F3} s over 15 s; applier {appliedPerSecond:N0} keys/s; source servers {cpuShare * 100:F1} % of a core, {cpuShare * window * 1e6 / Math.Max(1, written):F1} µs per write ({written / window:N0} writes/s measured){pass}; cutover with paused writes: {(report.Passed ? "passed" : "FAILED")} ({string.Join("; ", report.Checks.Where(c => c.StartsWith("FAILED", StringComparison.Ordinal)))}).");
        Log(line);
        return line;
    }

    /// <summary>CPU seconds all source servers have used so far.</summary>
    private static double SourceCpu(RedisCluster source) => source.Nodes.Sum(n => CpuSeconds(n.Pid));
}
