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
        var timeout = new Option<double>("--timeout") { Description = "Seconds the checks may take (a wait that runs out is a failed check).", DefaultValueFactory = _ => 120 };
        var dryRun = new Option<bool>("--dry-run") { Description = "The same checks, without pausing or ending anything: says whether a cutover now would pass (exit 0) or not (exit 7)." };
        var release = new Option<bool>("--release") { Description = "End a --hold early: CLIENT UNPAUSE on every source master." };
        var command = new Command("cutover", "End a running `dcopy sync` once every check passes (feeds proven, nothing pending, every slot covered, counts equal with expiry accounted for); exit 0 in sync, 7 not (the sync goes on).")
        {
            CliOptions.JobId, pause, hold, timeout, dryRun, release,
        };
        command.WithHostOptions();
        command.Options.Add(CliOptions.Json);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var seconds = parse.GetValue(timeout);
            if (seconds is < 1 or > 86_400 || double.IsNaN(seconds) || parse.GetValue(hold) is < 0 or > 86_400 or double.NaN)
            {
                throw new CliException(ExitCodes.BadInput, "--timeout takes 1 to 86400 seconds, --hold 0 to 86400");
            }
            if (parse.GetValue(hold) > 0 && !parse.GetValue(pause))
            {
                throw new CliException(ExitCodes.BadInput, "--hold keeps the source's writes paused after the cutover: it needs --pause-writes");
            }
            if (parse.GetValue(release))
            {
                return await ReleaseAsync(parse, cancellationToken);
            }
            var order = new CutoverOrder(parse.GetValue(pause) && !parse.GetValue(dryRun), parse.GetValue(hold), seconds) { DryRun = parse.GetValue(dryRun) };
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
        await using var host = await JobHost.StartAsync(parse, parse.GetValue(CliOptions.JobId)!, cancellationToken, attach: true);
        var job = await host.FindJobAsync(parse, cancellationToken);
        var status = await job.GetStatusAsync();
        if (status.Kind != JobKind.Sync)
        {
            throw new CliException(ExitCodes.BadInput, $"job {status.JobId} is a {status.Kind.ToString().ToLowerInvariant()}, not a sync");
        }
        // embedded here, or attached to a dcopy that only looks at it (a `status`): no dcopy runs the sync to cut over
        var stopped = host.Embedded || (host.Attached && !host.HolderRuns);
        if (status.Phase is not (JobPhase.Syncing or JobPhase.CuttingOver) || stopped)
        {
            throw new CliException(ExitCodes.BadInput, $"sync {status.JobId} is {(stopped && status.Phase == JobPhase.Syncing ? "not running (its dcopy stopped)" : status.Phase.ToString().ToLowerInvariant())}{(stopped || status.Phase == JobPhase.Paused ? ": start it again with the same `dcopy sync` command (it resumes), then cut over" : "")}");
        }
        if (status.Phase == JobPhase.CuttingOver)
        {
            throw new CliException(ExitCodes.BadInput, $"sync {status.JobId} is cutting over already: wait for its report (`dcopy status {status.JobId}{Hints.Where(parse)}`)");
        }
        var before = status.Cutover?.Attempt ?? 0;
        status = await job.CutoverAsync(order);
        var deadline = DateTime.UtcNow.AddSeconds(order.TimeoutSeconds + 90);
        while (!(status.Phase != JobPhase.CuttingOver && status.Cutover is { } answer && answer.Attempt > before) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200, cancellationToken);
            status = await job.GetStatusAsync();
        }
        if (status.Cutover is { } result && result.Attempt > before)
        {
            SyncWatcher.Print(result, ReportOutput.To(parse.GetValue(CliOptions.Json)));
            if (parse.GetValue(CliOptions.Json))
            {
                Console.WriteLine(JobJson.Of("cutover", status, ran: null));
            }
            return result.Passed ? ExitCodes.Success : ExitCodes.Behind;
        }
        Console.Error.WriteLine($"sync {status.JobId}: the cutover did not report within {order.TimeoutSeconds + 90:0} s ({status.Phase.ToString().ToLowerInvariant()}{(status.Message is null ? "" : ": " + status.Message)})");
        return ExitCodes.JobFailed;
    }

    /// <summary>`--release`: ends a hold early (CLIENT UNPAUSE on every master of the sync's source).</summary>
    private static async Task<int> ReleaseAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        await using var host = await JobHost.StartAsync(parse, parse.GetValue(CliOptions.JobId)!, cancellationToken, attach: true);
        // the spec only: the sync's own dcopy may be stopping (its job ended with the hold this ends)
        var (_, spec) = await host.FindJobWithSpecAsync(parse, cancellationToken);
        if (spec.Kind != JobKind.Sync)
        {
            throw new CliException(ExitCodes.BadInput, $"job {spec.JobId} is a {spec.Kind.ToString().ToLowerInvariant()}, not a sync");
        }
        var masters = await Core.Cluster.ClusterView.MastersAsync(Grains.Endpoints.ToCore(spec.Source), cancellationToken);
        var notes = new List<string>();
        await Core.Live.WritePause.UnpauseAsync(masters, notes, cancellationToken);
        notes.ForEach(Console.Error.WriteLine);
        Console.Error.WriteLine($"sync {spec.JobId}: writes released on {masters.Count - notes.Count} of {masters.Count} source master(s) (CLIENT UNPAUSE)");
        return notes.Count == 0 ? ExitCodes.Success : ExitCodes.JobFailed;
    }
}
