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
            if (parse.GetValue(CliOptions.Control) is not null)
            {
                return await OnSilosAsync(parse, order, cancellationToken);
            }
            var job = parse.GetValue(CliOptions.JobId)!;
            var files = SyncFiles.For(parse.GetValue(CliOptions.StateDir)!, job);
            if (!files.Started)
            {
                throw new CliException(ExitCodes.BadInput, $"no sync {job} in {parse.GetValue(CliOptions.StateDir)}");
            }
            if (!files.Running)
            {
                throw new CliException(ExitCodes.BadInput, $"sync {job} is not running: start it again with the same `dcopy sync` command (it resumes), then cut over");
            }
            files.RequestCutover(new CutoverRequest(order.PauseWrites, order.HoldSeconds, seconds));
            var deadline = DateTime.UtcNow.AddSeconds(seconds + 60);
            System.Text.Json.JsonElement report;
            while (true)
            {
                if (files.Report is { } written)
                {
                    report = written;
                    break;
                }
                if (DateTime.UtcNow > deadline || !files.Running)
                {
                    // the sync writes its report before it lets go of the lock: one more look
                    report = files.Report ?? throw new CliException(ExitCodes.JobFailed, $"sync {job} did not report its cutover{(files.Running ? $" within {seconds + 60:0} s" : ": it stopped (see its output)")}");
                    break;
                }
                await Task.Delay(200, cancellationToken);
            }
            Console.Error.WriteLine(report.GetProperty("text").GetString());
            foreach (var check in report.GetProperty("checks").EnumerateArray())
            {
                Console.Error.WriteLine("  " + check.GetString());
            }
            if (parse.GetValue(CliOptions.Json))
            {
                Console.WriteLine(report.GetRawText());
            }
            return report.GetProperty("inSync").GetBoolean() ? ExitCodes.Success : ExitCodes.Behind;
        });
        return command;
    }

    /// <summary>A sync on a silo cluster: the coordinator pauses (where asked) and tells each partition to drain; waits for the report.</summary>
    private static async Task<int> OnSilosAsync(ParseResult parse, CutoverOrder order, CancellationToken cancellationToken)
    {
        await using var host = await JobHost.StartAsync(parse, cancellationToken);
        var job = await host.FindJobAsync(parse);
        var status = await job.GetStatusAsync();
        if (status.Kind != JobKind.Sync)
        {
            throw new CliException(ExitCodes.BadInput, $"job {status.JobId} is a {status.Kind.ToString().ToLowerInvariant()}, not a sync");
        }
        if (status.Phase is not (JobPhase.Syncing or JobPhase.CuttingOver))
        {
            throw new CliException(ExitCodes.BadInput, $"sync {status.JobId} is {status.Phase.ToString().ToLowerInvariant()}{(status.Phase == JobPhase.Paused ? $": `dcopy resume {status.JobId} --control …` continues it, then cut over" : "")}");
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
