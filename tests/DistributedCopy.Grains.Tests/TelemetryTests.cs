using System.Diagnostics;
using DistributedCopy.Abstractions;
using DistributedCopy.Testing;
using DistributedCopy.Testing.Otlp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace DistributedCopy.Grains.Tests;

public sealed class TelemetryTests
{
    [RedisFact]
    public async Task TheKeysCopiedCounterEqualsTheKeysCopiedAndPartitionSpansAreChildrenOfTheJobSpan()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.02).LoadAsync(source.Endpoint);
        var metrics = new List<MetricSnapshot>();
        var spans = new List<Activity>();
        var state = Path.Combine(Path.GetTempPath(), "dcopy-tests", "otel-" + Guid.NewGuid().ToString("N")[..8]);

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo => silo.UseEmbedded(state, SiloSetup.FreeLoopbackPort()));
        builder.Services.AddOpenTelemetry()
            .WithMetrics(m => m.AddMeter(Instruments.Name).AddInMemoryExporter(metrics))
            .WithTracing(t => t.AddSource(Instruments.Name).AddInMemoryExporter(spans));
        JobStatus done;
        using (var host = builder.Build())
        {
            await host.StartAsync();
            var job = host.Services.GetRequiredService<IGrainFactory>().GetGrain<ICoordinatorGrain>("otel");
            await job.StartAsync(new JobSpec("otel", JobKind.Copy, Endpoints.FromCore(source.Endpoint), Endpoints.FromCore(target.Endpoint)) { Workers = 2 });
            var deadline = DateTime.UtcNow.AddSeconds(120);
            do
            {
                await Task.Delay(200);
                done = await job.GetStatusAsync();
            }
            while (!done.IsFinished && DateTime.UtcNow < deadline);
            host.Services.GetRequiredService<MeterProvider>().ForceFlush();
            await host.StopAsync();
        }

        Assert.Equal(JobPhase.Completed, done.Phase);
        Assert.Equal(report.Total, done.Copied.Keys);
        var copied = metrics.Last(m => m.Name == "distributedcopy.keys.copied");
        long sum = 0;
        foreach (ref readonly var point in copied.MetricPoints.ToArray().AsSpan())
        {
            sum += point.GetSumLong();
        }
        Assert.Equal(report.Total, sum);
        Assert.Contains(metrics, m => m.Name == "distributedcopy.batch.duration");
        Assert.Equal(done.Copied.Bytes, Sum(metrics, "distributedcopy.bytes.copied"));
        Assert.Equal(16_384, Sum(metrics, "distributedcopy.slots.completed"));
        Assert.Equal(done.LeasesGranted, Sum(metrics, "distributedcopy.leases.granted"));
        Assert.Equal((0L, 0L), (Sum(metrics, "distributedcopy.keys.skipped"), Sum(metrics, "distributedcopy.keys.vanished")));

        var jobSpan = Assert.Single(spans, s => s.DisplayName == "job");
        var partitions = spans.Where(s => s.DisplayName == "partition").ToList();
        Assert.Equal(done.PartitionsTotal, partitions.Count);
        Assert.All(partitions, p => Assert.Equal((jobSpan.TraceId, jobSpan.SpanId), (p.TraceId, p.ParentSpanId)));
        var batches = spans.Where(s => s.DisplayName == "batch").ToList();
        Assert.NotEmpty(batches);
        Assert.All(batches, b => Assert.Contains(partitions, p => p.SpanId == b.ParentSpanId));
    }

    /// <summary>
    /// What an OTLP collector would receive from a live sync on an embedded silo (the in-memory exporter in its place): every
    /// sync instrument, each with the value the job's own status gives, read while the sync follows the source.
    /// </summary>
    [RedisFact]
    public async Task EverySyncInstrumentReachesTheExporterWithTheJobsOwnFigures()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        for (var i = 0; i < 300; i++)
        {
            await source.ExecuteAsync("SET", $"k:{i}", "first");
        }
        var metrics = new List<MetricSnapshot>();
        var state = Path.Combine(Path.GetTempPath(), "dcopy-tests", "otel-sync-" + Guid.NewGuid().ToString("N")[..8]);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo => silo.UseEmbedded(state, SiloSetup.FreeLoopbackPort()));
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(Instruments.Name).AddInMemoryExporter(metrics));
        using var host = builder.Build();
        await host.StartAsync();
        var job = host.Services.GetRequiredService<IGrainFactory>().GetGrain<ICoordinatorGrain>("otel-sync");
        await job.StartAsync(new JobSpec("otel-sync", JobKind.Sync, Endpoints.FromCore(source.Endpoint), Endpoints.FromCore(target.Endpoint))
        {
            Workers = 1,
            ConfigureNotifications = true,
            SweepMs = 1000,
            CompareKeysPerSecond = 5000,
        });
        await WaitAsync(job, s => s.Sync is { Live: true, Unproven: null }, "the sync following its source");

        // writes the feed carries, a value changed on the target behind the sync's back (the comparer repairs it), and a
        // subscription cut (a gap the sync reconciles)
        for (var i = 0; i < 100; i++)
        {
            await source.ExecuteAsync("SET", $"k:{i}", "second");
        }
        await target.ExecuteAsync("SET", "k:250", "changed on the target");
        await WaitAsync(job, s => s.Sync is { Applied: >= 100, Repaired: >= 1 }, "changes applied and the comparer's repair");
        // after the repair: a reconcile copies the database again, which would put the value right by itself
        await source.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
        var status = await WaitAsync(job, s => s.Sync is { Reconciles: >= 1, Compared: >= 300, Live: true, Unproven: null }, "a reconcile after the cut subscription");

        // gauges are read when collected: collected while the sync runs
        host.Services.GetRequiredService<MeterProvider>().ForceFlush();
        var sync = status.Sync!;
        // the snapshot's 300 keys, and the reconcile's copy of the database again
        Assert.Equal(300 * (1 + sync.Reconciles), Sum(metrics, "distributedcopy.keys.copied"));
        Assert.True(Sum(metrics, "distributedcopy.leases.granted") >= 1);
        Assert.True(Sum(metrics, "distributedcopy.sync.changes") >= 100);
        Assert.True(Sum(metrics, "distributedcopy.sync.applied") >= 100);
        Assert.True(Sum(metrics, "distributedcopy.sync.reconciles") >= 1);
        Assert.True(Sum(metrics, "distributedcopy.sync.compared") >= 300);
        Assert.True(Sum(metrics, "distributedcopy.sync.repaired") >= 1);
        foreach (var gauge in new[] { "distributedcopy.sync.lag", "distributedcopy.sync.feeds.unproven", "distributedcopy.sync.pending" })
        {
            Assert.Contains(metrics, m => m.Name == gauge && m.MetricPoints.Count > 0);
        }
        Assert.Equal(0, GaugeLast(metrics, "distributedcopy.sync.feeds.unproven"));
        Assert.True(sync.Applied <= Sum(metrics, "distributedcopy.sync.applied"), $"status {sync.Applied} applied, the counter less");

        await job.CutoverAsync(new CutoverOrder(PauseWrites: true, HoldSeconds: 0, TimeoutSeconds: 60));
        var done = await WaitAsync(job, s => s.IsFinished, "the cutover");
        await host.StopAsync();
        Assert.True(done.Phase == JobPhase.Completed, done.Message);
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    /// <summary>
    /// What an OTLP collector receives from a silo process (dcopy-silo, joined through the control Redis) that runs a copy:
    /// every copy instrument, each equal to the job's own figure, decoded from the protobuf the silo POSTs.
    /// </summary>
    [RedisFact]
    public async Task ASiloProcessExportsEveryCopyInstrumentByOtlpWithTheJobsOwnFigures()
    {
        await using var control = await RedisServer.StartAsync();
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.02).LoadAsync(source.Endpoint);
        // 50 keys on the target already, as on the source: a skip-existing copy leaves them and counts them skipped
        var keys = await DataComparer.AllKeysAsync(source.Endpoint);
        await using (var from = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(source.Endpoint)))
        await using (var to = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(target.Endpoint)))
        {
            foreach (var key in keys.Take(50))
            {
                // the expiry exact (ABSTTL): a TTL rounded to the client's clock would outlive the source's
                var expiresAt = (long)await from.GetDatabase().ExecuteAsync("PEXPIRETIME", key);
                await to.GetDatabase().ExecuteAsync("RESTORE", key, Math.Max(expiresAt, 0), (await from.GetDatabase().KeyDumpAsync(key))!, "ABSTTL");
            }
        }
        await using var collector = OtlpReceiver.Start();
        var clusterId = "o" + Guid.NewGuid().ToString("N")[..8];
        await using var silo = await SiloProcess.StartAsync(control, clusterId, collector.Environment());
        await using var client = await JobClient.ConnectAsync(control, clusterId);
        var spec = new JobSpec("otlp", JobKind.Copy, Endpoints.FromCore(source.Endpoint), Endpoints.FromCore(target.Endpoint))
        {
            Policy = Policy.SkipExisting,
            Workers = 2,
            MaxKeysPerSecond = 5_000,
        };
        await client.Job(spec.JobId).StartAsync(spec);

        // the target drops every client once mid-copy: writes fail, are retried, and are counted as errors
        await client.WaitAsync(spec.JobId, s => s.IsFinished || s.Copied.Keys > 3_000, TimeSpan.FromSeconds(60));
        foreach (var master in await target.MastersAsync())
        {
            await master.ExecuteAsync("CLIENT", "KILL", "TYPE", "normal");
        }
        var done = await client.WaitAsync(spec.JobId, s => s.IsFinished, TimeSpan.FromSeconds(120));
        Assert.True(done.Phase == JobPhase.Completed, done.Message);

        // the silo exports every 500 ms, and once more as it stops
        await silo.DisposeAsync();
        const string service = "dcopy-silo";
        double Received(string metric) => collector.Last(service, metric) ?? throw new Xunit.Sdk.XunitException($"{metric} never received from {service} ({collector.MetricPayloads} payloads: {string.Join(", ", collector.Metrics(service))})");
        Assert.Equal(1, collector.Processes(service));
        Assert.Equal(report.Total - 50, done.Copied.Keys);
        Assert.Equal(done.Copied.Keys, Received("distributedcopy.keys.copied"));
        Assert.Equal(done.Copied.Bytes, Received("distributedcopy.bytes.copied"));
        Assert.Equal((50L, 50.0), (done.Copied.Skipped, Received("distributedcopy.keys.skipped")));
        Assert.Equal(done.Copied.Vanished, Received("distributedcopy.keys.vanished"));
        Assert.Equal(16_384, Received("distributedcopy.slots.completed"));
        Assert.True(done.Copied.Errors >= 1, "the clients killed on the target cost no retry");
        Assert.Equal(done.Copied.Errors, Received("distributedcopy.errors"));
        Assert.Equal(done.LeasesGranted, Received("distributedcopy.leases.granted"));
        Assert.True(Received("distributedcopy.batch.duration") > 0);
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 5);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    private static async Task<JobStatus> WaitAsync(ICoordinatorGrain job, Func<JobStatus, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = await job.GetStatusAsync();
            if (done(status))
            {
                return status;
            }
            Assert.False(status.IsFinished || DateTime.UtcNow > deadline, $"waited for {what}: {status.Phase} {status.Message} {status.Sync}");
            await Task.Delay(200);
        }
    }

    /// <summary>The last exported sum of a counter over its data points.</summary>
    internal static long Sum(List<MetricSnapshot> metrics, string name)
    {
        var snapshot = metrics.LastOrDefault(m => m.Name == name);
        Assert.True(snapshot is not null, $"{name} never exported");
        long sum = 0;
        foreach (ref readonly var point in snapshot.MetricPoints.ToArray().AsSpan())
        {
            sum += point.GetSumLong();
        }
        return sum;
    }

    private static double GaugeLast(List<MetricSnapshot> metrics, string name)
    {
        var snapshot = metrics.Last(m => m.Name == name);
        double value = 0;
        foreach (ref readonly var point in snapshot.MetricPoints.ToArray().AsSpan())
        {
            value = point.GetGaugeLastValueLong();
        }
        return value;
    }
}
