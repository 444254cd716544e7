using System.CommandLine;
using System.Text.Json;
using DistributedCopy.Abstractions;
using DistributedCopy.Core;
using DistributedCopy.Grains;

namespace DistributedCopy.Cli;

/// <summary>
/// `dcopy sync`: the snapshot copy, then the target follows the source's writes until `dcopy cutover` ends it. Runs in this
/// process; Ctrl+C stops it, and the same command again resumes it (every slot reconciled, then following again).
/// </summary>
public static class SyncCommand
{
    public static Command Create()
    {
        var options = new CopyOptionsSet();
        var configure = new Option<bool>("--configure-notifications") { Description = "Set notify-keyspace-events on source masters that lack a class sync needs (E and A); without it dcopy refuses and says how." };
        var sweep = new Option<double>("--sweep-seconds") { Description = "How often the key counts of both sides are compared per slot (a mismatch twice running is reconciled).", DefaultValueFactory = _ => 5 };
        var detach = new Option<bool>("--detach") { Description = "With --control: start the sync on the silos and return; `dcopy status` follows it, `dcopy cutover` ends it." };
        var command = new Command("sync", "Live sync: copy, then keep the target following the source's writes (keyspace notifications, every gap reconciled) until `dcopy cutover <job>`. Run the same command again to resume.");
        options.AddTo(command);
        command.Options.Add(configure);
        command.Options.Add(sweep);
        command.Options.Add(detach);
        command.WithHostOptions().WithOutputOptions();
        command.SetAction(async (parse, cancellationToken) =>
        {
            var sweepSeconds = parse.GetValue(sweep);
            if (sweepSeconds is < 0.2 or > 3600 || double.IsNaN(sweepSeconds))
            {
                throw new CliException(ExitCodes.BadInput, "--sweep-seconds takes seconds, from 0.2 to 3600");
            }
            var (spec, source, target) = await options.PrepareAsync(parse, JobKind.Sync, false, cancellationToken);
            if (spec.Match.Count + spec.Exclude.Count + spec.Renames.Count + spec.Types.Count + spec.Preset.Length > 0)
            {
                throw new CliException(ExitCodes.BadInput, "dcopy sync takes no --match, --exclude, --type, --rename or --preset yet: its count sweep compares whole databases and its reconcile asks the source for each target key's own name");
            }
            if (spec.Databases.Count > 1)
            {
                throw new CliException(ExitCodes.BadInput, $"the source holds keys in databases {string.Join(", ", spec.Databases)}: sync one database at a time, named in the source endpoint (redis://host:port/N)");
            }
            try
            {
                await NotificationSettings.EnsureAsync(source.Topology.IsCluster ? [.. source.Topology.Shards.Select(s => s.Master)] : [source.Endpoint],
                    parse.GetValue(configure), cancellationToken);
            }
            catch (CopyException ex)
            {
                throw new CliException(ExitCodes.BadInput, ex.Message);
            }
            if (parse.GetValue(CliOptions.Control) is not null)
            {
                return await OnSilosAsync(parse, spec with { ConfigureNotifications = parse.GetValue(configure), SweepMs = (int)(sweepSeconds * 1000) }, parse.GetValue(detach), cancellationToken);
            }
            var files = SyncFiles.For(parse.GetValue(CliOptions.StateDir)!, spec.JobId);
            using var held = files.TryLock() ?? throw new CliException(ExitCodes.BadInput, $"sync {spec.JobId} is running already (in another dcopy)");
            var resuming = files.Started;
            var sourceEndpoint = source.Topology.IsCluster || spec.Databases.Count == 0 ? source.Endpoint : source.Endpoint with { Database = spec.Databases[0] };
            var copyOptions = Endpoints.ToCopyOptions(spec, resuming: false);
            var syncOptions = new SyncOptions { ConfigureNotifications = parse.GetValue(configure), SweepEvery = TimeSpan.FromSeconds(sweepSeconds), Resuming = resuming };
            Console.Error.WriteLine($"sync {spec.JobId}: {CopyCommand.Describe(source)} → {CopyCommand.Describe(target)}{(resuming ? "; resumed: every slot is reconciled, then followed again" : "")}");
            await using var sync = await LiveSync.OpenAsync(sourceEndpoint, target.Endpoint, copyOptions, syncOptions, cancellationToken);
            var run = sync.RunAsync(cancellationToken);
            files.MarkStarted(source.Endpoint.Address, target.Endpoint.Address);
            files.WriteStatus(Status(spec.JobId, sync, 0));
            return await FollowAsync(sync, run, files, parse, cancellationToken);
        });
        return command;
    }

    /// <summary>
    /// On a silo cluster: starts the sync job (or, when one of this id exists, continues it), then follows it until it is
    /// cut over. Ctrl+C leaves it running on the silos.
    /// </summary>
    private static async Task<int> OnSilosAsync(ParseResult parse, JobSpec spec, bool detach, CancellationToken cancellationToken)
    {
        await using var host = await JobHost.StartAsync(parse, cancellationToken);
        var job = host.Grains.GetGrain<ICoordinatorGrain>(spec.JobId);
        JobStatus status;
        if (await job.GetSpecAsync() is { } existing)
        {
            if (existing.Kind != JobKind.Sync)
            {
                throw new CliException(ExitCodes.BadInput, $"a job {spec.JobId} exists already and is a {existing.Kind.ToString().ToLowerInvariant()}: choose another --job-id");
            }
            var was = (await job.GetStatusAsync()).Phase;
            status = await job.ResumeAsync();
            Console.Error.WriteLine($"sync {spec.JobId}: {status.Phase.ToString().ToLowerInvariant()} on the silos{(was is JobPhase.Paused or JobPhase.Failed && !status.IsFinished ? "; resumed: each partition is reconciled, then followed again" : "")}");
        }
        else
        {
            status = await job.StartAsync(spec);
        }
        if (status.IsFinished || status.Phase == JobPhase.Paused)
        {
            return SyncWatcher.Finish(status, parse.GetValue(CliOptions.Json));
        }
        if (detach)
        {
            Console.Error.WriteLine($"sync {spec.JobId} runs on the silos: `dcopy status {spec.JobId} --control …` follows it, `dcopy cutover {spec.JobId} --control …` ends it");
            return ExitCodes.Success;
        }
        return await SyncWatcher.WatchAsync(job, TimeSpan.FromSeconds(parse.GetValue(CliOptions.Interval)), parse.GetValue(CliOptions.Progress) == "none", parse.GetValue(CliOptions.Json), cancellationToken);
    }

    /// <summary>Prints progress until a cutover request comes (then runs it and reports) or the sync fails.</summary>
    private static async Task<int> FollowAsync(LiveSync sync, Task run, SyncFiles files, ParseResult parse, CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(parse.GetValue(CliOptions.Interval));
        var quiet = parse.GetValue(CliOptions.Progress) == "none";
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (lastChanges, lastAt) = (0L, TimeSpan.Zero);
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(200, cancellationToken));
            if (files.TakeCutoverRequest() is { } request)
            {
                var report = await sync.CutoverAsync(request.PauseWrites, request.HoldSeconds > 0 ? TimeSpan.FromSeconds(request.HoldSeconds) : null,
                    TimeSpan.FromSeconds(request.TimeoutSeconds), cancellationToken: cancellationToken);
                await run;
                var json = SyncWatcher.ReportJson(SyncReports.Summary(report), sync.Progress.KeysCopied, SyncReports.Progress(sync));
                files.WriteReport(JsonDocument.Parse(json).RootElement);
                files.WriteStatus(Status(files.Job, sync, 0, report.InSync ? "cut over, in sync" : "cut over, behind"));
                files.Finish();
                Console.Error.WriteLine($"sync {files.Job}: cut over — {report}");
                if (parse.GetValue(CliOptions.Json))
                {
                    Console.WriteLine(json);
                }
                return ExitCodes.Success;
            }
            if (clock.Elapsed - lastAt >= interval)
            {
                var stats = sync.Stats;
                var rate = (stats.Changes - lastChanges) / Math.Max(0.001, (clock.Elapsed - lastAt).TotalSeconds);
                (lastChanges, lastAt) = (stats.Changes, clock.Elapsed);
                files.WriteStatus(Status(files.Job, sync, rate));
                if (!quiet)
                {
                    Console.Error.WriteLine(stats.Live
                        ? $"sync {files.Job}: live, lag {stats.LagSeconds:F2} s, {stats.Pending:N0} keys pending, {rate:N0} changes/s, {stats.Applied:N0} applied, {stats.Deleted:N0} deleted, {stats.Reconciles:N0} slots reconciled"
                        : $"sync {files.Job}: snapshot, {sync.Progress.KeysCopied:N0} keys copied, {stats.Changes:N0} changes waiting for their slots");
                }
            }
        }
        await run;
        return ExitCodes.Success;
    }

    private static object Status(string job, LiveSync sync, double changesPerSecond, string? phase = null) => new
    {
        job,
        pid = Environment.ProcessId,
        phase = phase ?? (sync.Stats.Live ? "live" : "snapshot"),
        keysCopied = sync.Progress.KeysCopied,
        changes = sync.Stats.Changes,
        changesPerSecond,
        applied = sync.Stats.Applied,
        deleted = sync.Stats.Deleted,
        pending = sync.Stats.Pending,
        lagSeconds = sync.Stats.LagSeconds,
        reconciles = sync.Stats.Reconciles,
        resubscribes = sync.Stats.Resubscribes,
        at = DateTimeOffset.UtcNow,
    };
}
