using System.Diagnostics;
using DistributedCopy.Abstractions;
using DistributedCopy.Testing;
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

        var jobSpan = Assert.Single(spans, s => s.DisplayName == "job");
        var partitions = spans.Where(s => s.DisplayName == "partition").ToList();
        Assert.Equal(done.PartitionsTotal, partitions.Count);
        Assert.All(partitions, p => Assert.Equal((jobSpan.TraceId, jobSpan.SpanId), (p.TraceId, p.ParentSpanId)));
        var batches = spans.Where(s => s.DisplayName == "batch").ToList();
        Assert.NotEmpty(batches);
        Assert.All(batches, b => Assert.Contains(partitions, p => p.SpanId == b.ParentSpanId));
    }
}
