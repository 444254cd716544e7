using DistributedCopy.Abstractions;
using DistributedCopy.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace DistributedCopy.Grains.Tests;

public sealed class CoordinatorTests
{
    [RedisFact]
    public async Task AReportOnALeaseFromBeforeAPauseIsRefusedAndMarksNothingDone()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        await new StandardDataSet(0.05).LoadAsync(source.Endpoint);
        var state = Path.Combine(Path.GetTempPath(), "dcopy-tests", "coordinator-" + Guid.NewGuid().ToString("N")[..8]);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo => silo.UseEmbedded(state, SiloSetup.FreeLoopbackPort()));
        using var host = builder.Build();
        await host.StartAsync();
        var job = host.Services.GetRequiredService<IGrainFactory>().GetGrain<ICoordinatorGrain>("stale");

        await job.StartAsync(new JobSpec("stale", JobKind.Copy, Endpoints.FromCore(source.Endpoint), Endpoints.FromCore(target.Endpoint))
        {
            Workers = 1,
            BatchSize = 20,
            PipelinesPerShard = 1,
        });
        var leasing = DateTime.UtcNow.AddSeconds(30);
        while ((await job.GetStatusAsync()).LeasesGranted < 1 && DateTime.UtcNow < leasing)
        {
            await Task.Delay(20);
        }
        var paused = await job.PauseAsync();
        Assert.Equal(JobPhase.Paused, paused.Phase);
        Assert.True(paused.LeasesGranted >= 1);
        await job.ResumeAsync();

        // a worker that held lease 1 before the pause reports late, claiming the last partition (not leased again yet)
        var directive = await job.ReportAsync(9, new ProgressReport(paused.PartitionsTotal - 1, Token: 1, [], null, new Counters(Keys: 1_000_000), true, "late-silo"));
        var after = await job.GetStatusAsync();

        Assert.Equal(Directive.LeaseLost, directive);
        Assert.True(after.Copied.Keys < 1_000_000, "the refused report's counters were added");
        Assert.DoesNotContain("late-silo", after.KeysBySilo.Keys);

        // the job still completes with every key
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (!(await job.GetStatusAsync()).IsFinished && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        Assert.Equal(JobPhase.Completed, (await job.GetStatusAsync()).Phase);
        await host.StopAsync();
        var compared = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 5);
        Assert.True(compared.Identical, compared.ToString());
    }

    [RedisFact]
    public async Task AStaleHoldersReportAfterItsPartitionWasLeasedAgainIsRefusedAndCountsNothing()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisServer.StartAsync();
        await new StandardDataSet(0.01).LoadAsync(source.Endpoint);
        var state = Path.Combine(Path.GetTempPath(), "dcopy-tests", "coordinator-" + Guid.NewGuid().ToString("N")[..8]);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleans(silo =>
        {
            silo.UseEmbedded(state, SiloSetup.FreeLoopbackPort());
            // a silent holder's partition goes back to the pool after 3 + 1 s (the defaults are 11 + 4)
            silo.Configure<JobOptions>(o => (o.LeaseValidFor, o.WriteGrace, o.TickPeriod) = (TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(250)));
        });
        var metrics = new List<MetricSnapshot>();
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(Instruments.Name).AddInMemoryExporter(metrics));
        using var host = builder.Build();
        await host.StartAsync();
        var job = host.Services.GetRequiredService<IGrainFactory>().GetGrain<ICoordinatorGrain>("stale-holder");

        // no worker of the job's own: this test is every holder there is
        var started = await job.StartAsync(new JobSpec("stale-holder", JobKind.Copy, Endpoints.FromCore(source.Endpoint), Endpoints.FromCore(target.Endpoint)) { Workers = 0 });
        Assert.Equal(JobPhase.Copying, started.Phase);
        var stale = await job.LeaseAsync(9);
        Assert.NotNull(stale);

        // the holder falls silent (a silo cut off, a long pause) until its lease runs out and the partition is leased again
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Lease? again = null;
        while (again is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            if ((await job.GetStatusAsync()).LeasesExpired >= 1)
            {
                again = await job.LeaseAsync(10);
            }
        }
        Assert.NotNull(again);
        Assert.Equal(stale.Partition.Id, again.Partition.Id);
        Assert.True(again.Token > stale.Token);

        // the stale holder wakes and reports the partition done, with counters: refused, and nothing of it counts
        var slots = Enumerable.Range(stale.Partition.StartSlot, stale.Partition.SlotCount).ToArray();
        var directive = await job.ReportAsync(9, new ProgressReport(stale.Partition.Id, stale.Token, slots, "96", new Counters(Keys: 1_000_000), true, "stale-silo"));
        var after = await job.GetStatusAsync();
        Assert.Equal(Directive.LeaseLost, directive);
        Assert.Equal((0L, 0, 0), (after.Copied.Keys, after.SlotsDone, after.PartitionsDone));
        Assert.Empty(after.KeysBySilo);
        Assert.Equal(JobPhase.Copying, after.Phase);

        // the partition's holder now reports, and it counts: the refusal was the stale token's, not the partition's
        var current = await job.ReportAsync(10, new ProgressReport(again.Partition.Id, again.Token, [slots[0]], "0", new Counters(Keys: 5), false, "holder-silo"));
        var counted = await job.GetStatusAsync();
        Assert.Equal(Directive.Continue, current);
        Assert.Equal((5L, 1), (counted.Copied.Keys, counted.SlotsDone));
        Assert.Equal(5, counted.KeysBySilo["holder-silo"]);
        Assert.Equal(JobPhase.Cancelled, (await job.CancelAsync()).Phase);

        // what a collector receives: the expiry and both grants
        host.Services.GetRequiredService<MeterProvider>().ForceFlush();
        Assert.Equal((1L, 2L), (counted.LeasesExpired, counted.LeasesGranted));
        Assert.Equal((1L, 2L), (TelemetryTests.Sum(metrics, "distributedcopy.leases.expired"), TelemetryTests.Sum(metrics, "distributedcopy.leases.granted")));
        await host.StopAsync();
    }
}
