using System.Diagnostics;
using DistributedCopy.Core;
using DistributedCopy.Testing;

namespace DistributedCopy.Bench;

// BenchRun, part 4: live sync under a steady write load. The snapshot's rate with the load running (against the engine's
// row without load, the same run), then the lag sampled every 100 ms while the load goes on, then a cutover with the
// source's writes paused, which must end in sync.
internal static partial class BenchRun
{
    private static async Task<string> SyncRowAsync(RedisCluster source, RedisCluster target, long keys, double unloadedKeysPerSecond, int writesPerSecond, int hotKeys)
    {
        await FlushAsync(target);
        await using var load = await LoadWriter.StartAsync(source.Endpoint, writesPerSecond, hotKeys);
        await using var sync = await LiveSync.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions(), new SyncOptions { ConfigureNotifications = true });
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
        var (applied, at) = (sync.Stats.Applied, clock.Elapsed);
        while (clock.Elapsed - at < TimeSpan.FromSeconds(15) && !run.IsCompleted)
        {
            await Task.Delay(100);
            lags.Add(sync.Stats.LagSeconds);
        }
        var appliedPerSecond = (sync.Stats.Applied - applied) / (clock.Elapsed - at).TotalSeconds;
        var writes = load.Writes;
        var report = await sync.CutoverAsync(pauseWrites: true);
        await run;
        lags.Sort();
        var line = FormattableString.Invariant(
            $"Live sync under {writesPerSecond:N0} writes/s over {hotKeys:N0} hot keys ({writes:N0} written): snapshot {keys / snapshotSeconds:N0} keys/s = {keys / snapshotSeconds / unloadedKeysPerSecond:F2} × the engine without load; caught up {catchUpSeconds:F2} s after it; then lag p50 {lags[lags.Count / 2]:F3} s, p99 {lags[(int)(lags.Count * 0.99)]:F3} s, max {lags[^1]:F3} s over 15 s; applier {appliedPerSecond:N0} keys/s; cutover with paused writes: {report}.");
        Log(line);
        return line;
    }
}
