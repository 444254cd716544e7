using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using DistributedCopy.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DistributedCopy.AppHost.Tests;

/// <summary>The AppHost's model run by Aspire.Hosting.Testing: the migration (the integration's resources) copies the source to the target.</summary>
public sealed class AspireTestingTests
{
    [RedisFact]
    public async Task TheMigrationResourceCopiesTheSourceClusterToTheTargetIdentically()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var folder = Path.Combine(Path.GetTempPath(), "dcopy-tests", "aspire-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var builder = Demo.FromAppHost(() => DistributedApplicationTestingBuilder.Create());
            Demo.Add(builder, folder, scale: 0.02);
            await using var app = await builder.BuildAsync(timeout.Token);
            var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
            var ended = notifications.WaitForResourceAsync("copy-job", e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), timeout.Token);
            await app.StartAsync(timeout.Token);
            var job = await ended;

            Assert.Equal(KnownResourceStates.Finished, job.Snapshot.State?.Text);
            Assert.Equal(0, job.Snapshot.ExitCode);
            // the migration resource shows its job's outcome
            var migration = await notifications.WaitForResourceAsync("copy", e => e.Snapshot.ExitCode is not null, timeout.Token);
            Assert.Equal(0, migration.Snapshot.ExitCode);

            // compared on the servers themselves, not through the job's own verify
            var source = Seed(await app.GetConnectionStringAsync("source", timeout.Token));
            var target = Seed(await app.GetConnectionStringAsync("target", timeout.Token));
            var result = await DataComparer.CompareAsync(source, target);
            Assert.True(result.Identical, result.ToString());
            Assert.InRange(result.SourceKeys, 20_000, 25_000);
            Assert.Equal(result.SourceKeys, result.TargetKeys);
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // a server the orchestrator is still stopping keeps a file open: the temporary folder is cleaned later
            }
        }
    }

    private static RedisEndpoint Seed(string? connectionString)
    {
        Assert.NotNull(connectionString);
        var hostPort = connectionString.Split(',')[0].Split(':');
        return new RedisEndpoint(hostPort[0], int.Parse(hostPort[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
