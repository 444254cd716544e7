using DistributedCopy.Abstractions;
using DistributedCopy.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

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
}
