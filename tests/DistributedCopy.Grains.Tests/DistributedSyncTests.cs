using System.Diagnostics;
using DistributedCopy.Abstractions;
using DistributedCopy.Testing;
using Xunit.Abstractions;

namespace DistributedCopy.Grains.Tests;

/// <summary>
/// A live sync spread over three silo processes (real Redis clustering, storage and reminders in the control Redis) while an
/// application writes every type; one silo is killed mid-sync; the cutover pauses the source and the target must end identical.
/// </summary>
public sealed class DistributedSyncTests(ITestOutputHelper output)
{
    [RedisFact]
    public async Task ASyncOnThreeSilosSurvivesTheKillOfOneAndCutsOverIdentical()
    {
        await using var control = await RedisServer.StartAsync();
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var data = await new StandardDataSet(0.01).LoadAsync(source.Endpoint);
        await using var writer = await SourceWriter.StartAsync(source.Endpoint);
        var clusterId = "t" + Guid.NewGuid().ToString("N")[..8];
        var silos = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SiloProcess.StartAsync(control, clusterId)));
        try
        {
            await using var client = await JobClient.ConnectAsync(control, clusterId);
            var spec = new JobSpec("sync-kill", JobKind.Sync, Endpoints.FromCore(source.Endpoint), Endpoints.FromCore(target.Endpoint))
            {
                Workers = 6,
                BatchSize = 200,
                ConfigureNotifications = true,
                SweepMs = 1000,
            };
            var started = await client.Job(spec.JobId).StartAsync(spec);
            Assert.Equal(JobPhase.Syncing, started.Phase);
            Assert.Equal(6, started.PartitionsTotal);

            // live on every silo before one of them dies
            var before = await client.WaitAsync(spec.JobId, s => s.IsFinished || (s.Sync is { Live: true } && s.Workers.Values.Select(w => w.Silo).Distinct().Count() == 3), TimeSpan.FromSeconds(90));
            output.WriteLine($"before: {SyncText(before)}");
            Assert.Equal(JobPhase.Syncing, before.Phase);
            var victim = silos[1];
            var orphans = before.Workers.Where(w => victim.Is(w.Value.Silo)).Select(w => w.Key).ToList();
            Assert.NotEmpty(orphans);
            var killed = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            victim.Kill();

            // the orphaned partitions are leased again on the other silos, reconciled, and live again
            var moved = await client.WaitAsync(spec.JobId, s => s.IsFinished || (s.Sync is { Live: true } s2 && s2.Reconciles > before.Sync!.Reconciles
                && orphans.All(w => s.Workers.TryGetValue(w, out var seen) && !victim.Is(seen.Silo) && seen.LastReport > killed)), TimeSpan.FromSeconds(120));
            output.WriteLine($"kill -9 to live again on the other silos: {clock.Elapsed.TotalSeconds:F1} s; {SyncText(moved)}");
            Assert.Equal(JobPhase.Syncing, moved.Phase);
            // the orphaned partitions (2,730 or 2,731 slots each) were reconciled where they moved; others may have moved too,
            // when a worker's activation was lost with the silo's part of the grain directory
            Assert.True(moved.Sync!.Reconciles >= orphans.Count * 2730, SyncText(moved));
            await Task.Delay(2000);

            var (done, comparison) = await CutOverAsync(client, spec, source, target, writer);
            Assert.True(done.Cutover!.WritesPaused, string.Join("; ", done.Cutover.Checks));
            Assert.Equal(done.Cutover.SourceKeys, comparison.SourceKeys);
            Assert.True(done.Copied.Keys >= data.Total, done.Copied.ToString());
            Assert.True(done.Sync!.Changes > 1000, SyncText(done));
            await writer.StopAsync();
            Assert.True(writer.Writes > 1000, $"writes {writer.Writes}, errors {writer.Errors}");
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    [RedisFact]
    public async Task ASyncByTheReplicationStreamOnThreeSilosContinuesByOffsetAfterTheKillOfOne()
    {
        await using var control = await RedisServer.StartAsync();
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        await new StandardDataSet(0.01).LoadAsync(source.Endpoint);
        var masters = await source.MastersAsync();
        foreach (var master in masters)
        {
            // nothing to publish: the stream is what replicas get anyway
            await master.ExecuteAsync("CONFIG", "SET", "notify-keyspace-events", "");
        }
        await using var writer = await SourceWriter.StartAsync(source.Endpoint);
        var clusterId = "t" + Guid.NewGuid().ToString("N")[..8];
        var silos = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SiloProcess.StartAsync(control, clusterId)));
        try
        {
            await using var client = await JobClient.ConnectAsync(control, clusterId);
            var spec = new JobSpec("sync-stream", JobKind.Sync, Endpoints.FromCore(source.Endpoint), Endpoints.FromCore(target.Endpoint))
            {
                Workers = 3,
                Capture = SyncCapture.Replication,
            };
            var started = await client.Job(spec.JobId).StartAsync(spec);
            // one partition per source master
            Assert.Equal(3, started.PartitionsTotal);
            var before = await client.WaitAsync(spec.JobId, s => s.IsFinished || (s.Sync is { Live: true } && s.Workers.Count == 3 && s.Workers.Values.Select(w => w.Silo).Distinct().Count() >= 2), TimeSpan.FromSeconds(90));
            output.WriteLine($"before: {SyncText(before)}");
            Assert.Equal(JobPhase.Syncing, before.Phase);
            var victim = silos.First(silo => before.Workers.Values.Any(w => silo.Is(w.Silo)));
            var orphans = before.Workers.Where(w => victim.Is(w.Value.Silo)).Select(w => w.Key).ToList();
            await Task.Delay(1500);
            var full = await Task.WhenAll(masters.Select(FullSyncsAsync));
            var killed = DateTime.UtcNow;
            victim.Kill();

            // the orphaned partitions are leased again on the other silos and continue their masters' streams by offset
            var moved = await client.WaitAsync(spec.JobId, s => s.IsFinished || (s.Sync is { Live: true }
                && orphans.All(w => s.Workers.TryGetValue(w, out var seen) && !victim.Is(seen.Silo) && seen.LastReport > killed)), TimeSpan.FromSeconds(120));
            output.WriteLine($"moved: {SyncText(moved)}");
            Assert.Equal(JobPhase.Syncing, moved.Phase);
            await Task.Delay(2000);
            var (done, _) = await CutOverAsync(client, spec, source, target, writer);
            Assert.Contains(done.Cutover!.Checks, c => c.StartsWith("ok      masters: the source has 3 master(s)", StringComparison.Ordinal));
            Assert.Equal(3, done.Cutover.Checks.Count(c => c.Contains("stream: the target applied the stream up to offset", StringComparison.Ordinal)));
            // no master sent a second snapshot: every stream taken up again continued (PSYNC +CONTINUE)
            Assert.Equal(full, await Task.WhenAll(masters.Select(FullSyncsAsync)));
            await writer.StopAsync();
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// The short-lived writes stopped (the last ones expire before the pause), a cutover with paused writes that must end the
    /// job in sync, and the independent comparison of both sides, which must find them identical; the masters unpaused after.
    /// </summary>
    private async Task<(JobStatus Done, CompareResult Comparison)> CutOverAsync(JobClient client, JobSpec spec, RedisCluster source, RedisCluster target, SourceWriter writer)
    {
        writer.StopShortLived();
        await Task.Delay(2500);
        var cutting = await client.Job(spec.JobId).CutoverAsync(new CutoverOrder(PauseWrites: true, HoldSeconds: 60, TimeoutSeconds: 60));
        Assert.Equal(JobPhase.CuttingOver, cutting.Phase);
        var done = await client.WaitAsync(spec.JobId, s => s.Phase != JobPhase.CuttingOver, TimeSpan.FromSeconds(150));
        try
        {
            output.WriteLine($"done: {SyncText(done)}; {done.Cutover}; {string.Join("; ", done.Cutover?.Checks ?? [])}");
            Assert.Equal(JobPhase.Completed, done.Phase);
            Assert.NotNull(done.Cutover);
            Assert.True(done.Cutover.InSync, done.Cutover + ": " + string.Join("; ", done.Cutover.Checks));
            var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, ttlToleranceMs: 2000, typedSamplePerType: 200);
            Assert.True(comparison.Identical, comparison.ToString());
            return (done, comparison);
        }
        finally
        {
            foreach (var master in await source.MastersAsync())
            {
                await master.ExecuteAsync("CLIENT", "UNPAUSE");
            }
        }
    }

    private static async Task<long> FullSyncsAsync(RedisServer master)
    {
        var line = (await master.ExecuteAsync("INFO", "stats")).Split('\n').First(l => l.StartsWith("sync_full:", StringComparison.Ordinal));
        return long.Parse(line["sync_full:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string SyncText(JobStatus s) =>
        $"{s.Phase} {s.Sync} copied {s.Copied.Keys} workers {string.Join(",", s.Workers.Select(w => $"{w.Key}@{w.Value.Silo}"))} leases {s.LeasesGranted}/{s.LeasesExpired} {s.Message}";
}
