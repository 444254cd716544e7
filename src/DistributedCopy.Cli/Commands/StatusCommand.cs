using System.CommandLine;

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
            await using var host = await JobHost.StartAsync(parse, parse.GetValue(CliOptions.JobId)!, cancellationToken, attach: true);
            var status = await (await host.FindJobAsync(parse, cancellationToken)).GetStatusAsync();
            var json = parse.GetValue(CliOptions.Json);
            if (json)
            {
                Console.WriteLine(JobJson.Of("status", status, ran: null));
            }
            // the status line is the command's output (stdout); with --json, the JSON line is, and the status line goes to stderr
            var report = ReportOutput.To(json);
            if (status.Kind == Abstractions.JobKind.Sync)
            {
                report.WriteLine(SyncWatcher.Line(status) + (status.Message is null ? "" : " — " + status.Message));
                return ExitCodes.Success;
            }
            report.WriteLine($"job {status.JobId}: {status.Phase.ToString().ToLowerInvariant()}, {status.Kind.ToString().ToLowerInvariant()}, {JobWatcher.Done(status)}, partitions {status.PartitionsDone}/{status.PartitionsTotal}, keys {status.Copied.Keys:N0}/{status.KeysPlanned:N0}{(status.Message is null ? "" : " — " + status.Message)}");
            return ExitCodes.Success;
        });
        return command;
    }
}
