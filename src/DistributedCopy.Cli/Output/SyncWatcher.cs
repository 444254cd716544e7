using System.Text.Json;
using DistributedCopy.Abstractions;

namespace DistributedCopy.Cli;

/// <summary>A live sync, as the CLI follows it: a line per interval, the cutover's report, the exit code.</summary>
public static class SyncWatcher
{
    /// <summary>Prints the sync's state each interval until it ends (cut over, failed, paused or cancelled).</summary>
    public static async Task<int> WatchAsync(ICoordinatorGrain job, bool embedded, TimeSpan interval, bool quiet, bool json, CancellationToken cancellationToken, string where = "")
    {
        var told = (await job.GetStatusAsync()).Cutover?.Attempt ?? 0;
        while (true)
        {
            var status = await job.GetStatusAsync();
            if (status.IsFinished || status.Phase == JobPhase.Paused)
            {
                return Finish(status, json, where, embedded ? PhaseClock.Elapsed : null);
            }
            if (status.Phase == JobPhase.Syncing && status.Cutover is { } earlier && earlier.Attempt > told)
            {
                // a cutover (or dry run) that did not end the sync: what it found, here too
                told = earlier.Attempt;
                Print(earlier, Console.Error);
            }
            if (!quiet)
            {
                Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss} {Line(status)}");
            }
            try
            {
                await Task.Delay(interval, cancellationToken);
            }
            catch (OperationCanceledException) when (embedded)
            {
                // its workers stop with this process; the same dcopy sync command resumes it (every slot reconciled)
                await job.PauseAsync();
                Console.Error.WriteLine($"sync {status.JobId} stopped: the same `dcopy sync` command resumes it");
                return ExitCodes.Cancelled;
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine($"sync {status.JobId} goes on on the silos: `dcopy status {status.JobId}{where}` follows it, `dcopy cutover {status.JobId}{where}` ends it");
                return ExitCodes.Cancelled;
            }
        }
    }

    public static string Line(JobStatus status) => status.Sync is not { } sync
        ? $"sync {status.JobId}: {status.Phase.ToString().ToLowerInvariant()}"
        : sync.Live
            ? $"sync {status.JobId}: {(status.Phase == JobPhase.CuttingOver ? "cutting over" : "live")}, {Lag(status, sync)}, {(status.Shards.Any(s => s.Position is not null)
                ? $"{sync.Applied:N0} commands of the stream applied"
                : $"{sync.Pending:N0} keys pending, {sync.Changes:N0} changes, {sync.Applied:N0} applied, {sync.Deleted:N0} deleted, {sync.Reconciles:N0} slots reconciled; {Comparer(sync)}")}; {status.Workers.Count} workers on {status.Workers.Values.Select(w => w.Silo).Distinct().Count()} silos"
            : $"sync {status.JobId}: snapshot, {status.Copied.Keys:N0} of {status.KeysPlanned:N0} keys copied, {JobWatcher.Done(status)}, {sync.Changes:N0} changes waiting for their slots{(sync.Unproven is { } why ? $"; feed unproven ({why})" : "")}";

    /// <summary>The lag, or "lag unknown" with why when a feed is not proven: silence is not "lag 0".</summary>
    private static string Lag(JobStatus status, SyncProgress sync)
    {
        if (sync.Unproven is { } why)
        {
            return $"lag unknown (feed unproven: {why})";
        }
        // by the replication stream: where each master's stream stands on the target
        var streams = status.Shards.Where(s => s.Position is not null).ToList();
        return streams switch
        {
            [] => $"lag {sync.LagSeconds:F2} s (feeds proven)",
            [var one] => $"lag {sync.LagSeconds:F2} s, {sync.LagBytes:N0} bytes of the stream behind (target at {one.Position})",
            _ => $"lag {sync.LagSeconds:F2} s, {sync.LagBytes:N0} bytes of the streams behind ({string.Join(", ", streams.Select(s => $"{s.Shard}: {s.LagBytes:N0} bytes, target at {s.Position}"))})",
        };
    }

    private static string Comparer(SyncProgress sync) =>
        $"comparer: {sync.Compared:N0} keys compared, {sync.Repaired:N0} repaired, pass {sync.ComparePasses + 1} at {sync.PassShare:P0}{(sync.LastPassAt is { } at ? $", last full pass {at:HH:mm:ss} UTC" : "")}";

    /// <summary>The sync's end: the cutover's report and exit 0 (every check passed); else why it stopped.</summary>
    public static int Finish(JobStatus status, bool json, string where = "", TimeSpan? ran = null)
    {
        if (status.Phase == JobPhase.Completed && status.Cutover is { } cutover)
        {
            Print(cutover, ReportOutput.To(json));
            if (json)
            {
                Console.WriteLine(JobJson.Of("sync", status, ran));
            }
            return cutover.Passed ? ExitCodes.Success : ExitCodes.Behind;
        }
        return JobWatcher.Summarize(status, ran, json, where, "sync");
    }

    /// <summary>The cutover's report, to <paramref name="report"/>: stdout as a command's output, stderr with --json or while the sync goes on.</summary>
    public static void Print(CutoverSummary cutover, TextWriter report)
    {
        report.WriteLine(cutover.ToString());
        foreach (var check in cutover.Checks)
        {
            report.WriteLine("  " + check);
        }
    }
}
