using System.CommandLine;
using DistributedCopy.Abstractions;

namespace DistributedCopy.Cli;

/// <summary>`dcopy copy` (and `dcopy verify`, the same options with nothing written): starts a job and follows it.</summary>
public static class CopyCommand
{
    public static Command Create(JobKind kind)
    {
        var options = new CopyOptionsSet();
        var verifyAfter = new Option<bool>("--verify") { Description = "Verify every key after the copy (exit code 1 when differences are found)." };
        var functions = new Option<bool>("--functions") { Description = "RDB file source: load the file's functions (FUNCTION LOAD REPLACE) into every target master too, before its keys." };
        var detach = new Option<bool>("--detach") { Description = "With --control: start the job and return; follow it with `dcopy status`." };
        var command = kind == JobKind.Verify
            ? new Command("verify", "Compare every key of the source with the target: missing keys, other types, other values, TTL drift. Writes nothing.")
            : new Command("copy", "Copy every key (all types, with TTLs) from the source to the target, by hash slot, with checkpoints.");
        options.AddTo(command);
        if (kind == JobKind.Copy)
        {
            command.Options.Add(verifyAfter);
            command.Options.Add(functions);
        }
        command.Options.Add(detach);
        command.WithHostOptions().WithOutputOptions();
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (kind == JobKind.Verify && FileCopy.IsFile(parse, options))
            {
                return await FileCopy.VerifyAsync(parse, options, cancellationToken);
            }
            if (kind == JobKind.Copy && FileCopy.IsFile(parse, options))
            {
                return await FileCopy.RunAsync(parse, options, parse.GetValue(verifyAfter), parse.GetValue(detach), parse.GetValue(functions), cancellationToken);
            }
            if (kind == JobKind.Copy && parse.GetValue(functions))
            {
                throw new CliException(ExitCodes.BadInput, "--functions loads an RDB file's functions; this source is a server: leave it out");
            }
            PhaseClock.Mark("parsed");
            // the silo starts while both sides are checked and the slots planned: most of a small job's fixed cost
            var hosting = Task.Run(() => JobHost.StartAsync(parse, options.JobIdOf(parse, kind), cancellationToken), cancellationToken);
            JobSpec spec;
            try
            {
                (spec, var source, var target) = await options.PrepareAsync(parse, kind, parse.GetValue(verifyAfter), cancellationToken);
                if (kind == JobKind.Copy)
                {
                    await MemoryCheck.EnforceAsync(parse, options, source, target, cancellationToken);
                }
                Console.Error.WriteLine($"job {spec.JobId}: {Describe(source)} → {Describe(target)}");
                var view = await ClusterView.OpenAsync(source.Endpoint, new Dictionary<string, string>(), cancellationToken);
                var plan = await SlotPlanner.PlanAsync(view, spec.Workers * spec.PartitionsPerWorker, spec.Databases, cancellationToken);
                spec = spec with { Plan = [.. plan.Select((p, i) => new Partition(i, p.StartSlot, p.EndSlot, p.Keys, p.Database) { Shard = p.Shard })] };
                PhaseClock.Mark("checked both sides, planned");
            }
            catch
            {
                await JobHost.AbandonAsync(hosting);
                throw;
            }
            return await RunJobAsync(parse, spec, parse.GetValue(detach), cancellationToken, hosting: hosting);
        });
        return command;
    }

    /// <summary>Starts <paramref name="spec"/> on this process's silo or the silo cluster and follows it to its end (or detaches).</summary>
    public static async Task<int> RunJobAsync(ParseResult parse, JobSpec spec, bool detach, CancellationToken cancellationToken, bool jsonLine = true, Task<JobHost>? hosting = null)
    {
        await using var host = await (hosting ?? JobHost.StartAsync(parse, spec.JobId, cancellationToken));
        PhaseClock.Mark("silo started");
        var job = host.Grains.GetGrain<ICoordinatorGrain>(spec.JobId);
        if (await job.GetSpecAsync() is not null)
        {
            throw new CliException(ExitCodes.BadInput, $"a job {spec.JobId} exists already: `dcopy resume {spec.JobId}{Hints.Where(parse)}` continues it, or choose another --job-id");
        }
        var started = await job.StartAsync(spec);
        PhaseClock.Mark("job started");
        if (started.Phase is JobPhase.Failed or JobPhase.Paused)
        {
            return JobWatcher.Summarize(started, PhaseClock.Elapsed, parse.GetValue(CliOptions.Json), Hints.Where(parse), parse.CommandResult.Command.Name, jsonLine, host.Embedded);
        }
        if (detach && !host.Embedded)
        {
            Console.Error.WriteLine($"job {spec.JobId} started on the silos");
            return ExitCodes.Success;
        }
        return await new JobWatcher(job, parse.GetValue(CliOptions.Progress)!, TimeSpan.FromSeconds(parse.GetValue(CliOptions.Interval)), parse.GetValue(CliOptions.Json), Hints.Where(parse), parse.CommandResult.Command.Name, jsonLine)
            .WatchAsync(host.Embedded, cancellationToken);
    }

    public static string Describe(SideInfo side) =>
        $"{side.Endpoint} ({(side.Topology.IsCluster ? $"cluster of {side.Topology.Shards.Count} masters" : "standalone")}, Redis {side.Topology.RedisVersion}, {side.Keys:N0} keys)";
}
