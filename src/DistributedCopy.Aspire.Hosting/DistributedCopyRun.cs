using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace DistributedCopy.Aspire.Hosting;

/// <summary>Runs an AppHost for one migration: starts everything, streams the job's output, stops everything, returns the job's exit code.</summary>
public static partial class DistributedCopyRun
{
    /// <summary>The exit code when the job could not start (a resource it waits for failed).</summary>
    public const int JobNotStarted = 12;

    /// <summary>
    /// The job's stdout (its JSON summary with --json) goes to <paramref name="output"/> as it is, its stderr and the
    /// silos' output to <paramref name="log"/> with the resource's name in front. When publishing, writes the manifest.
    /// </summary>
    /// <param name="keepRunning">After the job ends, keep everything running (the dashboard to look at) until the app is stopped (Ctrl+C).</param>
    public static async Task<int> RunMigrationAsync(this DistributedApplication app, IResourceBuilder<DistributedCopyResource> migration,
        TextWriter output, TextWriter log, bool keepRunning = false, CancellationToken cancellationToken = default)
    {
        var execution = app.Services.GetRequiredService<DistributedApplicationExecutionContext>();
        if (execution.IsPublishMode)
        {
            await app.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
        var notifications = app.Services.GetRequiredService<ResourceNotificationService>();
        var loggers = app.Services.GetRequiredService<ResourceLoggerService>();
        var lifetime = app.Services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>();
        var job = migration.Resource.Job;
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        // watched from before the start: the orchestrator's start returns only once every resource has been created, and
        // a resource created after what it waits for has finished can be the job itself
        var ended = notifications.WaitForResourceAsync(job.Name, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), stopping.Token);
        var streams = new List<Task> { FollowAsync(notifications, loggers, migration.Resource, output, log, stopping.Token) };
        var running = app.RunAsync(stopping.Token);
        try
        {
            var end = await ended.ConfigureAwait(false);
            // the last lines of the job's output arrive after its exit is known
            await Task.Delay(TimeSpan.FromSeconds(1), stopping.Token).ConfigureAwait(false);
            var state = end.Snapshot.State?.Text;
            await log.WriteLineAsync($"apphost: {job.Name} {state}, exit code {end.Snapshot.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}").ConfigureAwait(false);
            var exitCode = state == KnownResourceStates.FailedToStart ? JobNotStarted : end.Snapshot.ExitCode ?? JobNotStarted;
            if (keepRunning)
            {
                await log.WriteLineAsync("apphost: everything keeps running until Ctrl+C").ConfigureAwait(false);
                await Task.Delay(Timeout.Infinite, stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            }
            return exitCode;
        }
        catch (OperationCanceledException)
        {
            // stopped from outside (Ctrl+C, SIGTERM) before the job ended
            await log.WriteLineAsync($"apphost: stopped before {job.Name} ended").ConfigureAwait(false);
            return Interrupted;
        }
        finally
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            // the stop has a deadline too: the orchestrator stops what is left of its resources once this process has ended
            using var deadline = new CancellationTokenSource(StopDeadline);
            var teardown = Task.WhenAll(streams.Append(running).Append(app.StopAsync(deadline.Token)).Select(s => s.ContinueWith(_ => { }, TaskScheduler.Default)));
            if (await Task.WhenAny(teardown, Task.Delay(StopDeadline + TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false) != teardown)
            {
                await log.WriteLineAsync($"apphost: the resources did not all stop within {StopDeadline.TotalSeconds:0} s; the orchestrator stops the rest").ConfigureAwait(false);
            }
        }
    }

    /// <summary>The exit code when the run was stopped from outside before the job ended.</summary>
    public const int Interrupted = 130;

    /// <summary>How long the stop of every resource may take once the job has ended or the app was stopped.</summary>
    public static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(30);

    /// <summary>Streams the output of the job and of every silo replica, each from when the orchestrator names it.</summary>
    private static async Task FollowAsync(ResourceNotificationService notifications, ResourceLoggerService loggers, DistributedCopyResource migration,
        TextWriter output, TextWriter log, CancellationToken cancellationToken)
    {
        var followed = new HashSet<string>(StringComparer.Ordinal);
        var streams = new List<Task>();
        try
        {
            await foreach (var e in notifications.WatchAsync(cancellationToken).ConfigureAwait(false))
            {
                var isJob = e.Resource == migration.Job;
                if ((isJob || migration.Silos.Contains(e.Resource)) && followed.Add(e.ResourceId))
                {
                    streams.Add(StreamAsync(loggers, e.ResourceId, e.Resource.Name, isJob ? output : null, log, cancellationToken));
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the run is over
        }
        await Task.WhenAll(streams).ConfigureAwait(false);
    }

    private static async Task StreamAsync(ResourceLoggerService loggers, string resourceId, string name, TextWriter? output, TextWriter log, CancellationToken cancellationToken)
    {
        // before the process starts, its log holds the orchestrator's own lines (waiting for what it needs): those are log
        var started = false;
        try
        {
            await foreach (var batch in loggers.WatchAsync(resourceId).WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                foreach (var line in batch)
                {
                    var content = Timestamp().Replace(line.Content, "", 1);
                    var orchestrator = content.StartsWith("[sys] ", StringComparison.Ordinal);
                    started |= orchestrator && content.Contains("Starting process", StringComparison.Ordinal);
                    if (output is not null && started && !orchestrator && !line.IsErrorMessage)
                    {
                        await output.WriteLineAsync(content).ConfigureAwait(false);
                    }
                    else
                    {
                        await log.WriteLineAsync($"[{name}] {content}").ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the run is over
        }
    }

    /// <summary>The orchestrator's timestamp in front of each line of a process's output.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z ")]
    private static partial System.Text.RegularExpressions.Regex Timestamp();
}
