using System.Diagnostics;
using DistributedCopy.Core;
using DistributedCopy.Core.Cluster;
using DistributedCopy.Core.Live;
using DistributedCopy.Core.Replication;
using DistributedCopy.Testing;

namespace DistributedCopy.Bench;

// BenchRun, part 10: the live sync's other capture under the same load as part 4, in the same run: one replication link per
// source master (dcopy a replica of each), the snapshot by PSYNC and the RDB reader, then the stream applied exactly once.
// The lag sampled every 100 ms for 15 s, the source servers' CPU per write, then a cutover's checks with writes paused.
internal static partial class BenchRun
{
    private static async Task<string> ReplicationSyncRowAsync(RedisCluster source, RedisCluster target, long keys, double unloadedKeysPerSecond, int writesPerSecond, int hotKeys)
    {
        await FlushAsync(target);
        await using var load = await LoadWriter.StartAsync(source.Endpoint, writesPerSecond, hotKeys);
        // the load alone first: what the source servers spend on the writes themselves, with nothing following them
        await Task.Delay(1000);
        var (aloneCpu, aloneWrites, aloneClock) = (SourceCpu(source), load.Writes, Stopwatch.StartNew());
        await Task.Delay(TimeSpan.FromSeconds(10));
        var alone = (SourceCpu(source) - aloneCpu) * 1e6 / Math.Max(1, load.Writes - aloneWrites);
        var aloneShare = (SourceCpu(source) - aloneCpu) / aloneClock.Elapsed.TotalSeconds;
        var topology = await Topology.ReadAsync(source.Endpoint);
        var syncs = new List<ReplicationSync>();
        foreach (var (shard, i) in topology.Shards.Select((s, i) => (s, i)))
        {
            syncs.Add(await ReplicationSync.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions(),
                new SyncOptions { Slots = [shard.Slots[0]], Name = $"bench.{i}" }));
        }
        try
        {
            var clock = Stopwatch.StartNew();
            var runs = syncs.Select(s => s.RunAsync()).ToList();
            while (!syncs.All(s => s.Stats.Live) && !runs.Any(r => r.IsCompleted))
            {
                await Task.Delay(20);
            }
            var snapshotSeconds = clock.Elapsed.TotalSeconds;
            // the stream spooled while the snapshots loaded is applied: the catch-up, then the steady state is sampled
            while (syncs.Sum(s => s.Stats.LagBytes) > 1_000_000 && clock.Elapsed.TotalSeconds < snapshotSeconds + 60 && !runs.Any(r => r.IsCompleted))
            {
                await Task.Delay(20);
            }
            var catchUpSeconds = clock.Elapsed.TotalSeconds - snapshotSeconds;
            var lags = new List<double>();
            var lagBytes = new List<long>();
            var sourceCpu = SourceCpu(source);
            var (applied, writes, at) = (syncs.Sum(s => s.Stats.Applied), load.Writes, clock.Elapsed);
            while (clock.Elapsed - at < TimeSpan.FromSeconds(15) && !runs.Any(r => r.IsCompleted))
            {
                await Task.Delay(100);
                lags.Add(syncs.Max(s => s.Stats.LagSeconds));
                lagBytes.Add(syncs.Sum(s => s.Stats.LagBytes));
            }
            var window = (clock.Elapsed - at).TotalSeconds;
            var appliedPerSecond = (syncs.Sum(s => s.Stats.Applied) - applied) / window;
            var written = load.Writes - writes;
            var cpu = SourceCpu(source) - sourceCpu;
            var lines = new List<string>();
            var pause = await PauseLease.StartAsync([.. topology.Shards.Select(s => s.Master)], lines, CancellationToken.None);
            var passed = pause is not null;
            if (pause is not null)
            {
                await using (pause)
                {
                    foreach (var sync in syncs)
                    {
                        var report = await sync.CheckAsync(paused: true, dryRun: true, TimeSpan.FromSeconds(60));
                        passed &= report.Passed;
                        lines.AddRange(report.Checks.Where(c => c.StartsWith("FAILED", StringComparison.Ordinal)));
                    }
                    await pause.ReleaseAsync(lines);
                }
            }
            if (runs.FirstOrDefault(r => r.IsFaulted) is { } failed)
            {
                lines.Add("FAILED  " + failed.Exception!.InnerException!.Message);
                passed = false;
            }
            lags.Sort();
            lagBytes.Sort();
            var line = FormattableString.Invariant(
                $"Live sync by the replication stream (--capture replication, one link per master) under {writesPerSecond:N0} writes/s over {hotKeys:N0} hot keys ({written / window:N0} writes/s measured): snapshot (PSYNC, RDB loaded by slot, load running) {keys / snapshotSeconds:N0} keys/s = {keys / snapshotSeconds / unloadedKeysPerSecond:F2} × the engine without load; caught up {catchUpSeconds:F2} s after it; then lag p50 {lags[lags.Count / 2]:F3} s, p99 {lags[(int)(lags.Count * 0.99)]:F3} s, max {lags[^1]:F3} s, bytes behind p50 {lagBytes[lagBytes.Count / 2]:N0}, p99 {lagBytes[(int)(lagBytes.Count * 0.99)]:N0} over 15 s; applier {appliedPerSecond:N0} commands/s; source servers {cpu / window * 100:F1} % of a core, {cpu * 1e6 / Math.Max(1, written):F1} µs per write (the load alone, nothing following it, measured before: {aloneShare * 100:F1} %, {alone:F1} µs per write); cutover checks with paused writes: {(passed ? "passed" : "FAILED")} ({string.Join("; ", lines.Where(c => c.StartsWith("FAILED", StringComparison.Ordinal)))}).");
            Log(line);
            return line;
        }
        finally
        {
            foreach (var sync in syncs)
            {
                await sync.DisposeAsync();
            }
        }
    }
}
