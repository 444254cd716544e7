using System.CommandLine;
using DistributedCopy.Abstractions;

namespace DistributedCopy.Cli;

/// <summary>`dcopy cutover`: asks a running sync to catch up and end, and prints what it found.</summary>
public static class CutoverCommand
{
    public static Command Create()
    {
        var pause = new Option<bool>("--pause-writes") { Description = "Pause writes on every source master (CLIENT PAUSE WRITE) so the target ends identical; where refused, drain and report the lag." };
        var hold = new Option<double>("--hold") { Description = "With --pause-writes: seconds the source stays paused after the cutover, to switch the application with no write lost (default: released at once)." };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for the target to catch up.", DefaultValueFactory = _ => 120 };
        var command = new Command("cutover", "End a running `dcopy sync`: drain its changes (optionally with the source's writes paused), check the key counts, and report.") { CliOptions.JobId, pause, hold, timeout };
        command.WithHostOptions();
        command.Options.Add(CliOptions.Json);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var seconds = parse.GetValue(timeout);
            if (seconds is < 1 or > 86_400 || double.IsNaN(seconds) || parse.GetValue(hold) is < 0 or > 86_400 or double.NaN)
            {
                throw new CliException(ExitCodes.BadInput, "--timeout takes 1 to 86400 seconds, --hold 0 to 86400");
            }
            var order = new CutoverOrder(parse.GetValue(pause), parse.GetValue(hold), seconds);
            return await RunAsync(parse, order, cancellationToken);
        });
        return command;
    }

    /// <summary>
    /// The sync's coordinator (in the dcopy that runs it, or on the silo cluster) pauses the source (where asked) and tells
    /// each partition to drain and check; waits for the report.
    /// </summary>
    private static async Task<int> RunAsync(ParseResult parse, CutoverOrder order, CancellationToken cancellationToken)
    {
        await using var host = await JobHost.StartAsync(parse, cancellationToken, attach: true);
        var job = await host.FindJobAsync(parse);
        var status = await job.GetStatusAsync();
        if (status.Kind != JobKind.Sync)
        {
            throw new CliException(ExitCodes.BadInput, $"job {status.JobId} is a {status.Kind.ToString().ToLowerInvariant()}, not a sync");
        }
        if (status.Phase is not (JobPhase.Syncing or JobPhase.CuttingOver) || host.Embedded)
        {
            throw new CliException(ExitCodes.BadInput, $"sync {status.JobId} is {(host.Embedded && status.Phase == JobPhase.Syncing ? "not running (its dcopy stopped)" : status.Phase.ToString().ToLowerInvariant())}{(host.Embedded || status.Phase == JobPhase.Paused ? ": start it again with the same `dcopy sync` command (it resumes), then cut over" : "")}");
        }
        status = await job.CutoverAsync(order);
        var deadline = DateTime.UtcNow.AddSeconds(order.TimeoutSeconds + 90);
        while (status.Phase == JobPhase.CuttingOver && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, cancellationToken);
            status = await job.GetStatusAsync();
        }
        if (status.Phase == JobPhase.Completed)
        {
            return SyncWatcher.Finish(status, parse.GetValue(CliOptions.Json));
        }
        if (status.Cutover is { } failed)
        {
            SyncWatcher.Print(failed);
        }
        Console.Error.WriteLine($"sync {status.JobId}: the cutover did not finish ({status.Phase.ToString().ToLowerInvariant()}{(status.Message is null ? "" : ": " + status.Message)})");
        return ExitCodes.JobFailed;
    }
}
