using System.Diagnostics;
using System.Text;
using DistributedCopy.Abstractions;
using DistributedCopy.Testing;
using Xunit.Abstractions;

namespace DistributedCopy.Grains.Tests;

public sealed class DistributedJobTests(ITestOutputHelper output)
{
    // 300,000 keys of the standard set's mix
    private static readonly StandardDataSet _data = new(300_000 / 1_091_000.0);

    [RedisFact]
    public async Task ThreeSilosShareACopyAndTheKillOfOneLosesNothing()
    {
        await using var control = await RedisServer.StartAsync();
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await _data.LoadAsync(source.Endpoint);
        var clusterId = "t" + Guid.NewGuid().ToString("N")[..8];
        var silos = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SiloProcess.StartAsync(control, clusterId)));
        try
        {
            await using var client = await JobClient.ConnectAsync(control, clusterId);
            // held to 20,000 keys/s (15 s for the set): the victim's workers must move while there is work left
            var spec = Spec("kill-one", source, target) with { VerifyAfterCopy = true, MaxKeysPerSecond = 20_000 };
            await client.Job(spec.JobId).StartAsync(spec);

            // every silo has copied keys before one of them dies
            var before = await client.WaitAsync(spec.JobId, s => s.IsFinished || (s.KeysBySilo.Count == 3 && s.KeysBySilo.Values.All(k => k > 0)), TimeSpan.FromSeconds(60));
            output.WriteLine($"before: {before.Copied} by silo {string.Join(",", before.KeysBySilo)} workers {string.Join(",", before.Workers)}");
            Assert.Equal(JobPhase.Copying, before.Phase);
            var victim = silos[1];
            var orphans = before.Workers.Where(w => victim.Is(w.Value.Silo)).Select(w => w.Key).ToList();
            Assert.NotEmpty(orphans);
            var killed = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            victim.Kill();

            var moved = await client.WaitAsync(spec.JobId, s => s.IsFinished || orphans.Any(w => s.Workers.TryGetValue(w, out var seen) && !victim.Is(seen.Silo) && seen.LastReport > killed), TimeSpan.FromSeconds(90));
            var failover = clock.Elapsed;
            var done = await client.WaitAsync(spec.JobId, s => s.IsFinished, TimeSpan.FromSeconds(180));
            output.WriteLine($"keys by silo before the kill: {string.Join(", ", before.KeysBySilo.Select(kv => $"{kv.Key}={kv.Value}"))}");
            output.WriteLine($"kill -9 to a re-activated worker's report: {failover.TotalSeconds:F1} s; leases expired {done.LeasesExpired}; copied {done.Copied.Keys} of {report.Total}");

            // the fault happened: the victim's workers, re-activated on survivors, report again before the job ends (they
            // carry on their partitions: a lease runs out only when no activation reports within its 11 s)
            Assert.False(moved.IsFinished, $"the job ended before the victim's workers moved: {moved.Phase} {moved.Message}");
            Assert.Equal(JobPhase.Completed, done.Phase);

            Assert.NotNull(done.Verify);
            Assert.Equal(report.Total, done.Verify.Compared);
            Assert.Equal(0, done.Verify.Differences);
            // each key counted once: what the victim wrote past its last report is written again and counted apart
            Assert.Equal(report.Total, done.Copied.Keys);
            Assert.Equal(report.ByType, await KeyCounter.CountByTypeAsync(target.Endpoint));
            var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 5);
            Assert.True(comparison.Identical, comparison.ToString());

            // a verify job of its own finds what is planted in the target, and nothing else
            await using var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(target.Endpoint));
            var db = mux.GetDatabase();
            await db.KeyDeleteAsync(Encoding.ASCII.GetString(_data.Key("string", 11)));
            await db.StringSetAsync(Encoding.ASCII.GetString(_data.Key("string", 12)), "planted");
            await db.KeyExpireAsync(Encoding.ASCII.GetString(_data.Key("ttl", 13)), TimeSpan.FromMinutes(5));
            var verifySpec = Spec("verify-planted", source, target) with { Kind = JobKind.Verify };
            await client.Job(verifySpec.JobId).StartAsync(verifySpec);
            var verified = await client.WaitAsync(verifySpec.JobId, s => s.IsFinished, TimeSpan.FromSeconds(120));
            Assert.Equal(JobPhase.Completed, verified.Phase);
            Assert.Equal(report.Total, verified.Verify!.Compared);
            Assert.Equal((1, 1, 1, 0), (verified.Verify.Missing, verified.Verify.ValueMismatch, verified.Verify.TtlDrift, verified.Verify.TypeMismatch));
            Assert.Contains("missing: string:00000011", verified.Verify.Examples!);
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
    public async Task AJobWhoseSilosAllDiedResumesFromItsCheckpointsWhenSilosComeBack()
    {
        await using var control = await RedisServer.StartAsync();
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await _data.LoadAsync(source.Endpoint);
        var clusterId = "t" + Guid.NewGuid().ToString("N")[..8];
        var first = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SiloProcess.StartAsync(control, clusterId)));
        JobStatus atKill;
        var spec = Spec("kill-all", source, target);
        try
        {
            await using var client = await JobClient.ConnectAsync(control, clusterId);
            await client.Job(spec.JobId).StartAsync(spec);
            atKill = await client.WaitAsync(spec.JobId, s => s.SlotsDone >= HashSlot.Count / 3, TimeSpan.FromSeconds(60));
            foreach (var silo in first)
            {
                silo.Kill();
            }
        }
        finally
        {
            foreach (var silo in first)
            {
                await silo.DisposeAsync();
            }
        }
        Assert.Equal(JobPhase.Copying, atKill.Phase);
        // every writer is dead: what the target ran until now was written before the kill
        var restoresAtKill = await target.SucceededCallsAsync("restore");
        var onTargetAtKill = await KeyCounter.DbSizeAsync(target.Endpoint);

        // no one calls the job: the reminder in the control Redis brings it back once silos run again
        var second = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SiloProcess.StartAsync(control, clusterId)));
        try
        {
            await using var client = await JobClient.ConnectAsync(control, clusterId);
            var done = await client.WaitAsync(spec.JobId, s => s.IsFinished, TimeSpan.FromSeconds(180));
            output.WriteLine($"at kill: {atKill.Copied} by silo {string.Join(",", atKill.KeysBySilo)}; done: {done.Copied} by silo {string.Join(",", done.KeysBySilo)} workers {string.Join(",", done.Workers)}");
            Assert.Equal(JobPhase.Completed, done.Phase);
            output.WriteLine($"slots done at the kill: {atKill.SlotsDone}; keys copied {done.Copied.Keys} for {report.Total} keys, {done.Copied.Recopied} written again");
            // each key counted once; the ones written past the checkpoints before the kill counted apart
            Assert.Equal(report.Total, done.Copied.Keys);
            Assert.InRange(done.Copied.Recopied, 0, report.Total - atKill.Copied.Keys);
            // the job went on from its checkpoints: it wrote every key the target lacked, and no more than the keys not
            // committed when the status before the kill was read (plus a RESTORE probe per worker and target master)
            var restored = await target.SucceededCallsAsync("restore") - restoresAtKill;
            Assert.True(restored >= report.Total - onTargetAtKill && restored <= report.Total - atKill.Copied.Keys + 6 * 3 * 2,
                $"{restored:N0} RESTOREs after the kill; {report.Total:N0} keys, {onTargetAtKill:N0} on the target at the kill, {atKill.Copied.Keys:N0} committed before it");
            var compared = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 5);
            Assert.True(compared.Identical, compared.ToString());
        }
        finally
        {
            foreach (var silo in second)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private static JobSpec Spec(string id, RedisCluster source, RedisCluster target) =>
        new(id, JobKind.Copy, Endpoints.FromCore(source.Endpoint), Endpoints.FromCore(target.Endpoint))
        {
            // small batches and one pipeline per shard, so the job lasts long enough to be killed in the middle
            Workers = 6,
            BatchSize = 100,
            PipelinesPerShard = 1,
        };
}
