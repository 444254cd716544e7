using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DistributedCopy.Abstractions;

namespace DistributedCopy.Cli;

/// <summary>Follows a job to its end: a live line on a terminal or a log line per interval, then a summary and the exit code.</summary>
public sealed class JobWatcher(ICoordinatorGrain job, string progress, TimeSpan interval, bool json, string where = "", string command = "copy", bool jsonLine = true)
{
    public async Task<int> WatchAsync(bool embedded, CancellationToken cancellationToken)
    {
        var mode = progress == "auto" ? (Console.IsErrorRedirected ? "log" : "bar") : progress;
        var clock = Stopwatch.StartNew();
        var lastLog = TimeSpan.Zero;
        var rate = new RateMeter();
        var drawn = 0;
        JobStatus status;
        while (true)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return await InterruptedAsync(embedded);
            }
            status = await job.GetStatusAsync();
            rate.Add(clock.Elapsed, status.Kind == JobKind.Verify ? status.Verify?.Compared ?? 0 : status.Copied.Keys, status.Copied.Bytes);
            // a job paused on an error makes no progress until someone acts: say why and exit, checkpoints kept
            if (status.IsFinished || status.Phase == JobPhase.Paused)
            {
                break;
            }
            if (mode == "bar")
            {
                drawn = Draw(status, rate, drawn);
            }
            else if (mode == "log" && clock.Elapsed - lastLog >= interval)
            {
                lastLog = clock.Elapsed;
                Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss} {Line(status, rate)}");
            }
            try
            {
                // in-process status is a local call: look often, so a job's end is seen at once (every 25 ms in the first two
                // seconds, where a small job ends; then every 100 ms); a remote silo: twice a second
                await Task.Delay(!embedded ? 500 : clock.Elapsed < TimeSpan.FromSeconds(2) ? 25 : 100, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
        }
        PhaseClock.Mark("job finished");
        return Summarize(status, clock.Elapsed, json, where, command, jsonLine, measuredHere: embedded);
    }

    /// <summary>Prints the job's summary; <paramref name="where"/> (<see cref="Hints.Where"/>) goes with every follow-up command printed.</summary>
    /// <param name="json">--json: the summary goes to stderr, and the JSON line to stdout unless <paramref name="jsonLine"/> is false (another report's JSON follows).</param>
    /// <param name="measuredHere">The job ran in this process (embedded), so its CPU and memory are this process's.</param>
    public static int Summarize(JobStatus status, TimeSpan? elapsed, bool json, string where = "", string command = "copy", bool jsonLine = true, bool measuredHere = true)
    {
        // the summary is the command's output (stdout); with --json, the JSON line is, and the summary goes to stderr
        var report = ReportOutput.To(json);
        var keys = status.Copied.Keys;
        report.WriteLine($"job {status.JobId}: {status.Phase.ToString().ToLowerInvariant()}{(status.Message is null ? "" : " — " + status.Message)}");
        if (!(status.Kind == JobKind.Verify && keys == 0))
        {
            // a verify job of its own copies nothing: its line is the verify's below
            report.WriteLine($"  copied {keys:N0} keys{(status.Copied.Recopied > 0 ? $" (and {status.Copied.Recopied:N0} written again by a resume)" : "")} ({status.Copied.Bytes / 1e6:F1} MB{(status.Copied.Typed > 0 ? $"; {status.Copied.Typed:N0} of them by type" : "")}{(status.Copied.Chunked > 0 ? $", {status.Copied.Chunked:N0} big ones in chunks" : "")}), skipped {status.Copied.Skipped:N0},{(status.Copied.Excluded > 0 ? $" excluded by the filters {status.Copied.Excluded:N0}," : "")} vanished {status.Copied.Vanished:N0}, errors {status.Copied.Errors:N0}; {Done(status)}; {(elapsed ?? TimeSpan.Zero).TotalSeconds:F1} s");
        }
        if (status.Copied.Errors > 0 && status.LastError is not null)
        {
            report.WriteLine($"  last error: {status.LastError}");
        }
        foreach (var note in status.Notes)
        {
            report.WriteLine("  note: " + note);
        }
        if (status.Phase == JobPhase.Paused)
        {
            report.WriteLine($"  checkpoints kept: `dcopy resume {status.JobId}{where}` continues once the cause is gone");
        }
        if (status.Verify is { } v && (v.Compared > 0 || v.Extra > 0))
        {
            report.WriteLine($"  verified {v.Compared:N0} keys: missing {v.Missing}, type {v.TypeMismatch}, value {v.ValueMismatch}, ttl {v.TtlDrift}; extra on the target {v.Extra} (not counted as differences)"
                + (v.Kept > 0 ? $"; kept {v.Kept:N0} (the target's own value, left in place under skip-existing; not differences)" : ""));
            foreach (var example in v.Examples ?? [])
            {
                report.WriteLine("    " + example);
            }
        }
        else if (status.Kind == JobKind.Verify && status.Verify is null or { Compared: 0 } && status.Phase == JobPhase.Completed && !status.Notes.Any(n => n.StartsWith("verify:", StringComparison.Ordinal)))
        {
            report.WriteLine("  verified 0 keys: the source had none to compare");
        }
        foreach (var eviction in status.Verify?.Evictions ?? [])
        {
            report.WriteLine("  evicted: " + eviction);
        }
        // a report whose JSON another one follows (an RDB load's verify) prints its own when it did not complete
        if (json && (jsonLine || status.Phase != JobPhase.Completed))
        {
            Console.WriteLine(JobJson.Of(command, status, elapsed, measuredHere: measuredHere));
        }
        return status.Phase switch
        {
            JobPhase.Completed when status.Verify is { Differences: > 0 } => ExitCodes.DifferencesFound,
            JobPhase.Completed => ExitCodes.Success,
            JobPhase.Cancelled => ExitCodes.Cancelled,
            _ => ExitCodes.JobFailed,
        };
    }

    private async Task<int> InterruptedAsync(bool embedded)
    {
        Console.Error.WriteLine();
        if (embedded)
        {
            // stop the workers between batches; the checkpoints stay, and resume continues from them
            var paused = await job.PauseAsync();
            var at = paused.SlotsTotal > 0 ? $"{paused.SlotsDone}/{paused.SlotsTotal} slots" : $"{paused.Copied.Keys:N0} of {paused.KeysPlanned:N0} keys";
            Console.Error.WriteLine($"interrupted: job {paused.JobId} paused at {at}; `dcopy resume {paused.JobId}{where}` continues it");
        }
        else
        {
            Console.Error.WriteLine($"detached: the job goes on on the silos; `dcopy status <job-id>{where}` follows it");
        }
        return ExitCodes.Cancelled;
    }

    private static string Line(JobStatus s, RateMeter rate)
    {
        var verifying = s.Kind == JobKind.Verify;
        var done = verifying ? s.Verify?.Compared ?? 0 : s.Copied.Keys;
        var share = s.KeysPlanned > 0 ? Math.Min(1.0, (double)done / s.KeysPlanned) : s.PartitionsTotal > 0 ? (double)s.PartitionsDone / s.PartitionsTotal : 0;
        var keysPerSecond = rate.PerSecond;
        // an ETA from under two seconds of progress (the first reports) says nothing yet
        var eta = rate.Seconds < 2 ? "--:--:--"
            : keysPerSecond > 0 && s.KeysPlanned > done ? Clock(TimeSpan.FromSeconds(Math.Min((s.KeysPlanned - done) / keysPerSecond, 359_999))) : "00:00:00";
        return string.Create(CultureInfo.InvariantCulture,
            $"{s.Phase.ToString().ToLowerInvariant(),-9} {share,6:P1} {Bar(share)} {done:N0}/{s.KeysPlanned:N0} keys  {keysPerSecond:N0} keys/s  {rate.BytesPerSecond / 1e6:F1} MB/s  {Done(s)}  errors {s.Copied.Errors}{(s.Copied.Errors > 0 && s.LastError is not null ? $" (last: {Shorten(s.LastError)})" : "")}  ETA {eta}{Guard(s.Guard)}");
    }

    /// <summary>The overall line and one bar per source shard, redrawn in place (the cursor goes back up over the last drawing).</summary>
    /// <summary>How far a job is in its source's unit: slots for a cluster, databases for a standalone server or an RDB file (which have no slots).</summary>
    internal static string Done(JobStatus s) => s.SlotsTotal > 0 ? $"slots {s.SlotsDone}/{s.SlotsTotal}" : $"databases {s.PartitionsDone}/{s.PartitionsTotal}";

    /// <summary>The adaptive rate's reading: the source's latency, and the rate it holds the copy at.</summary>
    private static string Guard(SourceGuardReading? guard) => guard is null ? ""
        : FormattableString.Invariant($"  source {guard.LatencyMs:0.0} ms") + (guard.HeldAtKeysPerSecond > 0 ? $", held at {guard.HeldAtKeysPerSecond:N0} keys/s" : "");

    private static int Draw(JobStatus s, RateMeter rate, int previousLines)
    {
        var lines = new List<string> { Line(s, rate) };
        foreach (var shard in s.Shards)
        {
            // a cluster's shard in slots; a database (or a file) in keys, as it has no slots
            var share = shard.PartitionsTotal > 0 && shard.PartitionsDone == shard.PartitionsTotal ? 1.0
                : shard.SlotsTotal > 0 ? (double)shard.SlotsDone / shard.SlotsTotal
                : shard.KeysPlanned > 0 ? Math.Min(1.0, (double)shard.KeysCopied / shard.KeysPlanned) : 0;
            var unit = shard.SlotsTotal > 0 ? $"slots {shard.SlotsDone}/{shard.SlotsTotal}" : $"keys {shard.KeysCopied:N0}/{shard.KeysPlanned:N0}";
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"  {shard.Shard,-22} {share,6:P1} {Bar(share)} {unit}  partitions {shard.PartitionsDone}/{shard.PartitionsTotal}{(shard.SlotsTotal > 0 ? $"  {shard.KeysPlanned:N0} keys" : "")}"));
        }
        var width = Console.IsErrorRedirected ? 160 : Math.Max(20, Console.WindowWidth - 1);
        var text = new System.Text.StringBuilder();
        if (previousLines > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"\u001b[{previousLines}F");
        }
        foreach (var line in lines)
        {
            text.Append(line.Length > width ? line[..width] : line.PadRight(width)).Append('\n');
        }
        Console.Error.Write(text.ToString());
        return lines.Count;
    }

    private static string Clock(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours:00}:{span.Minutes:00}:{span.Seconds:00}");

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";

    private static string Bar(double share)
    {
        var filled = (int)Math.Round(share * 20);
        return "[" + new string('#', filled) + new string('.', 20 - filled) + "]";
    }

    /// <summary>Keys and bytes per second over the last ten seconds.</summary>
    private sealed class RateMeter
    {
        private readonly Queue<(TimeSpan At, long Keys, long Bytes)> _samples = new();

        public double PerSecond { get; private set; }

        public double BytesPerSecond { get; private set; }

        /// <summary>How many seconds of samples the rates are measured over.</summary>
        public double Seconds { get; private set; }

        public void Add(TimeSpan at, long keys, long bytes)
        {
            _samples.Enqueue((at, keys, bytes));
            while (_samples.Count > 2 && at - _samples.Peek().At > TimeSpan.FromSeconds(10))
            {
                _samples.Dequeue();
            }
            var first = _samples.Peek();
            var seconds = (at - first.At).TotalSeconds;
            Seconds = seconds;
            PerSecond = seconds > 0 ? (keys - first.Keys) / seconds : 0;
            BytesPerSecond = seconds > 0 ? (bytes - first.Bytes) / seconds : 0;
        }
    }
}
