using System.CommandLine;
using System.Text.Json;

namespace DistributedCopy.Cli;

/// <summary>`dcopy status`: a job's phase, progress and counters; for a live sync, its lag and counters.</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var command = new Command("status", "Show a job's phase, progress and counters.") { CliOptions.JobId };
        command.WithHostOptions();
        command.Options.Add(CliOptions.Json);
        command.SetAction(async (parse, cancellationToken) =>
        {
            // a live sync (dcopy sync) writes its status to the state directory each interval
            if (parse.GetValue(CliOptions.Control) is null && SyncFiles.For(parse.GetValue(CliOptions.StateDir)!, parse.GetValue(CliOptions.JobId)!) is { Status: { } sync } files)
            {
                if (parse.GetValue(CliOptions.Json))
                {
                    Console.WriteLine(sync.GetRawText());
                }
                Console.Error.WriteLine($"sync {files.Job}: {(files.Running || !files.Started ? sync.GetProperty("phase").GetString() : "not running (the same dcopy sync command resumes it)")}, lag {sync.GetProperty("lagSeconds").GetDouble():F2} s, "
                    + $"{sync.GetProperty("pending").GetInt32():N0} keys pending, {sync.GetProperty("changes").GetInt64():N0} changes, {sync.GetProperty("applied").GetInt64():N0} applied, "
                    + $"{sync.GetProperty("reconciles").GetInt64():N0} slots reconciled (as of {sync.GetProperty("at").GetDateTimeOffset():HH:mm:ss} UTC)");
                return ExitCodes.Success;
            }
            await using var host = await JobHost.StartAsync(parse, cancellationToken);
            var status = await (await host.FindJobAsync(parse)).GetStatusAsync();
            if (parse.GetValue(CliOptions.Json))
            {
                Console.WriteLine(JsonSerializer.Serialize(status));
            }
            if (status.Kind == Abstractions.JobKind.Sync)
            {
                Console.Error.WriteLine(SyncWatcher.Line(status) + (status.Message is null ? "" : " — " + status.Message));
                return ExitCodes.Success;
            }
            Console.Error.WriteLine($"job {status.JobId}: {status.Phase.ToString().ToLowerInvariant()}, {status.Kind.ToString().ToLowerInvariant()}, slots {status.SlotsDone}/{status.SlotsTotal}, partitions {status.PartitionsDone}/{status.PartitionsTotal}, keys {status.Copied.Keys:N0}/{status.KeysPlanned:N0}{(status.Message is null ? "" : " — " + status.Message)}");
            return ExitCodes.Success;
        });
        return command;
    }
}
