using System.CommandLine;
using DistributedCopy.Abstractions;
using DistributedCopy.Core;
using DistributedCopy.Grains;

namespace DistributedCopy.Cli;

/// <summary>
/// `dcopy sync`: the snapshot copy, then the target follows the source's writes until `dcopy cutover` ends it. A job like a
/// copy: on this process's silo (Ctrl+C stops it, the same command again resumes it: every slot reconciled, then followed
/// again; `dcopy status`, `cutover` and `cancel` from another terminal reach it) or on a silo cluster (--control).
/// </summary>
public static class SyncCommand
{
    public static Command Create()
    {
        var options = new CopyOptionsSet();
        var configure = new Option<bool>("--configure-notifications") { Description = "Set notify-keyspace-events on source masters that lack a class sync needs (E and A); without it dcopy refuses and says how." };
        var sweep = new Option<double>("--sweep-seconds") { Description = "How often the key counts of both sides are compared per slot (a mismatch twice running is reconciled).", DefaultValueFactory = _ => JobSpecMapping.SyncDefaults.SweepEvery.TotalSeconds };
        var noCanary = new Option<bool>("--no-canary") { Description = "Write no canary on the source (a key in dcopy's namespace, dcopy:canary:*, set and deleted in one MULTI on each master about once a second, proving its keyspace notifications arrive). Without it no feed is proven: the lag shows as unknown and a cutover needs --pause-writes and compares every slot." };
        var compareRate = new Option<int>("--compare-rate") { Description = "Keys per second the comparer compares on both sides while syncing (repairing what differs); 0 turns it off.", DefaultValueFactory = _ => JobSpecMapping.SyncDefaults.CompareKeysPerSecond };
        var capture = new Option<string>("--capture") { Description = "How the source's writes are followed: notifications (keyspace notifications; managed caches allow only these) or replication (dcopy connects to a standalone self-hosted master as a replica: every write in order, resumed from its offset, nothing to configure on the source).", DefaultValueFactory = _ => "notifications" };
        capture.AcceptOnlyFromAmong("notifications", "replication");
        var detach = new Option<bool>("--detach") { Description = "With --control: start the sync on the silos and return; `dcopy status` follows it, `dcopy cutover` ends it." };
        var command = new Command("sync", "Live sync: copy, then keep the target following the source's writes (keyspace notifications, every gap reconciled) until `dcopy cutover <job>`. Run the same command again to resume.");
        // a sync takes no filters, renames or preset (refused below when given by another way): its --help does not list them
        options.AddTo(command, filters: false, preset: false);
        command.Options.Add(configure);
        command.Options.Add(sweep);
        command.Options.Add(noCanary);
        command.Options.Add(compareRate);
        command.Options.Add(capture);
        command.Options.Add(detach);
        command.WithHostOptions().WithOutputOptions();
        command.SetAction(async (parse, cancellationToken) =>
        {
            var sweepSeconds = parse.GetValue(sweep);
            if (sweepSeconds is < 0.2 or > 3600 || double.IsNaN(sweepSeconds))
            {
                throw new CliException(ExitCodes.BadInput, "--sweep-seconds takes seconds, from 0.2 to 3600");
            }
            if (parse.GetValue(compareRate) is < 0 or > 10_000_000)
            {
                throw new CliException(ExitCodes.BadInput, "--compare-rate takes keys per second, from 0 (off) to 10000000");
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
            var replication = parse.GetValue(capture) == "replication";
            try
            {
                if (replication)
                {
                    await Core.Replication.ReplicationCheck.EnsureAsync(source.Endpoint, source.Topology, cancellationToken);
                }
                else
                {
                    await NotificationSettings.EnsureAsync(source.Topology.IsCluster ? [.. source.Topology.Shards.Select(s => s.Master)] : [source.Endpoint],
                    parse.GetValue(configure), cancellationToken);
                }
            }
            catch (CopyException ex)
            {
                throw new CliException(ExitCodes.BadInput, ex.Message);
            }
            await MemoryCheck.EnforceAsync(parse, options, source, target, cancellationToken);
            if (parse.GetValue(detach) && parse.GetValue(CliOptions.Control) is null)
            {
                throw new CliException(ExitCodes.BadInput, "--detach needs --control: without it the sync runs in this dcopy, which must keep running");
            }
            Console.Error.WriteLine($"sync {spec.JobId}: {CopyCommand.Describe(source)} → {CopyCommand.Describe(target)}");
            return await RunAsync(parse, spec with
            {
                ConfigureNotifications = parse.GetValue(configure),
                SweepMs = (int)(sweepSeconds * 1000),
                NoCanary = parse.GetValue(noCanary),
                CompareKeysPerSecond = parse.GetValue(compareRate),
                Capture = replication ? SyncCapture.Replication : SyncCapture.Notifications,
            }, parse.GetValue(detach), cancellationToken);
        });
        return command;
    }

    /// <summary>
    /// Starts the sync job (or, when one of this id exists, continues it) on this process's silo or the silo cluster, then
    /// follows it until it is cut over. Ctrl+C stops an embedded one (the same command resumes it) and leaves one on the
    /// silos running.
    /// </summary>
    private static async Task<int> RunAsync(ParseResult parse, JobSpec spec, bool detach, CancellationToken cancellationToken)
    {
        await using var host = await JobHost.StartAsync(parse, spec.JobId, cancellationToken);
        var where = host.Embedded ? "in this dcopy" : "on the silos";
        var job = host.Grains.GetGrain<ICoordinatorGrain>(spec.JobId);
        JobStatus status;
        if (await job.GetSpecAsync() is { } existing)
        {
            var was = (await job.GetStatusAsync()).Phase;
            if (existing.Kind != JobKind.Sync || was is JobPhase.Completed or JobPhase.Cancelled)
            {
                throw new CliException(ExitCodes.BadInput, $"a job {spec.JobId} exists already and is a {(existing.Kind != JobKind.Sync ? existing.Kind.ToString().ToLowerInvariant() : $"sync that is {was.ToString().ToLowerInvariant()}")}: choose another --job-id");
            }
            status = await job.ResumeAsync();
            var resumed = !status.IsFinished && (host.Embedded || was is JobPhase.Paused or JobPhase.Failed);
            Console.Error.WriteLine($"sync {spec.JobId}: {status.Phase.ToString().ToLowerInvariant()} {where}{(resumed ? existing.Capture == SyncCapture.Replication ? "; resumed: the replication stream continues from the offset the target holds" : "; resumed: every slot is reconciled, then followed again" : "")}");
        }
        else
        {
            status = await job.StartAsync(spec);
        }
        if (status.IsFinished || status.Phase == JobPhase.Paused)
        {
            return SyncWatcher.Finish(status, parse.GetValue(CliOptions.Json), Hints.Where(parse));
        }
        if (detach)
        {
            Console.Error.WriteLine($"sync {spec.JobId} runs on the silos: `dcopy status {spec.JobId}{Hints.Where(parse)}` follows it, `dcopy cutover {spec.JobId}{Hints.Where(parse)}` ends it");
            return ExitCodes.Success;
        }
        return await SyncWatcher.WatchAsync(job, host.Embedded, TimeSpan.FromSeconds(parse.GetValue(CliOptions.Interval)), parse.GetValue(CliOptions.Progress) == "none", parse.GetValue(CliOptions.Json), cancellationToken, Hints.Where(parse));
    }
}
