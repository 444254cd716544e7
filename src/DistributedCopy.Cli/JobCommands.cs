using System.CommandLine;
using System.Text.Json;
using DistributedCopy.Abstractions;

namespace DistributedCopy.Cli;

/// <summary>`dcopy resume`, `status` and `cancel`: act on a job by its id.</summary>
public static class JobCommands
{
    public static Command Resume()
    {
        var command = new Command("resume", "Continue a job from its checkpoints: after a crash, an interruption, a pause or a failure.") { CliOptions.JobId };
        command.WithHostOptions().WithOutputOptions();
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var host = await StartAsync(parse, cancellationToken);
            var job = await FindAsync(host, parse);
            var status = await job.ResumeAsync();
            Console.Error.WriteLine($"job {status.JobId}: resuming at {status.SlotsDone}/{status.SlotsTotal} slots, {status.Copied.Keys:N0} keys copied");
            return await new JobWatcher(job, parse.GetValue(CliOptions.Progress)!, TimeSpan.FromSeconds(parse.GetValue(CliOptions.Interval)), parse.GetValue(CliOptions.Json))
                .WatchAsync(host.Embedded, cancellationToken);
        });
        return command;
    }

    public static Command Status()
    {
        var command = new Command("status", "Show a job's phase, progress and counters.") { CliOptions.JobId };
        command.WithHostOptions();
        command.Options.Add(CliOptions.Json);
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var host = await StartAsync(parse, cancellationToken);
            var status = await (await FindAsync(host, parse)).GetStatusAsync();
            if (parse.GetValue(CliOptions.Json))
            {
                Console.WriteLine(JsonSerializer.Serialize(status));
            }
            Console.Error.WriteLine($"job {status.JobId}: {status.Phase.ToString().ToLowerInvariant()}, {status.Kind.ToString().ToLowerInvariant()}, slots {status.SlotsDone}/{status.SlotsTotal}, partitions {status.PartitionsDone}/{status.PartitionsTotal}, keys {status.Copied.Keys:N0}/{status.KeysPlanned:N0}{(status.Message is null ? "" : " — " + status.Message)}");
            return ExitCodes.Success;
        });
        return command;
    }

    public static Command Cancel()
    {
        var command = new Command("cancel", "Cancel a job; what is copied stays copied.") { CliOptions.JobId };
        command.WithHostOptions();
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var host = await StartAsync(parse, cancellationToken);
            var status = await (await FindAsync(host, parse)).CancelAsync();
            Console.Error.WriteLine($"job {status.JobId}: {status.Phase.ToString().ToLowerInvariant()}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Task<JobHost> StartAsync(ParseResult parse, CancellationToken cancellationToken) =>
        JobHost.StartAsync(parse, cancellationToken);

    private static async Task<ICoordinatorGrain> FindAsync(JobHost host, ParseResult parse)
    {
        var id = parse.GetValue(CliOptions.JobId)!;
        var job = host.Grains.GetGrain<ICoordinatorGrain>(id);
        return await job.GetSpecAsync() is null
            ? throw new CliException(ExitCodes.BadInput, $"no job {id} {(host.Embedded ? "in the state directory " + parse.GetValue(CliOptions.StateDir) : "on the silo cluster")}")
            : job;
    }
}
