using System.Text.Json;
using DistributedCopy.Abstractions;

namespace DistributedCopy.Cli;

/// <summary>
/// The one JSON shape of every command that reports on a job with --json (copy, resume, verify, status, sync, cutover, an
/// RDB file's load and verify, export): the same fields whatever the command and the source kind, camelCase, phases and
/// kinds as strings. A field that does not apply is null, and where an operator would look for a value there, a line of
/// `notes` says why it is null. README's "JSON output" shows a sample.
/// </summary>
internal static class JobJson
{
    /// <param name="command">The command that writes it (copy, resume, status, …).</param>
    /// <param name="ran">How long this process ran the job; null where it did not run it (status, cutover: another process did).</param>
    /// <param name="files">Export: the files written.</param>
    /// <param name="local">Work this process did without a job (export, an RDB file's verify): its kind ("export", "verify"), and no job id.</param>
    /// <param name="measuredHere">This process did the work (embedded): its CPU and peak memory are the job's; false on a silo cluster.</param>
    public static string Of(string command, JobStatus status, TimeSpan? ran, IEnumerable<object>? files = null, IEnumerable<string>? notes = null, string? local = null, bool measuredHere = true)
    {
        var explained = status.Notes.Concat(notes ?? []).Distinct().ToList();
        if (local is not null)
        {
            explained.Add($"jobId is null: `dcopy {command}` runs in this process, not as a job (nothing to resume or look at later)");
        }
        // a copy's status carries an empty verify report until its verify phase (if any) begins
        var verify = status.Kind == JobKind.Verify ? status.Verify ?? new VerifyReport() : null;
        if (verify is null && status.Kind != JobKind.Sync)
        {
            explained.Add("verify is null: no verify ran (--verify compares after a copy; `dcopy verify` compares on its own)");
        }
        else if (verify is { Compared: 0 } && status.Phase == JobPhase.Completed && !explained.Any(n => n.StartsWith("verify:", StringComparison.Ordinal)))
        {
            explained.Add("verify compared 0 keys: the source had none to compare");
        }
        if (status.Kind == JobKind.Sync && status.Cutover is null)
        {
            explained.Add("cutover is null: the sync has not been cut over (`dcopy cutover` ends it)");
        }
        double? cpuSeconds = null;
        long? peakRssBytes = null;
        if (ran is null)
        {
            explained.Add($"seconds, cpuSeconds and peakRssBytes are null: `dcopy {command}` did not run the job (the dcopy or the silos that ran it did)");
        }
        else if (!measuredHere)
        {
            explained.Add("cpuSeconds and peakRssBytes are null: the silos ran the job (their telemetry measures them); seconds is the job's time as this dcopy watched it");
        }
        else
        {
            var (cpu, rss) = PhaseClock.Resources();
            (cpuSeconds, peakRssBytes) = (Math.Round(cpu, 3), rss);
        }
        var unit = status.SlotsTotal > 0 ? "slots" : files is not null ? "files" : "databases";
        return JsonSerializer.Serialize(new
        {
            command,
            jobId = local is null ? status.JobId : null,
            kind = local ?? status.Kind.ToString().ToLowerInvariant(),
            phase = status.Phase,
            message = status.Message,
            progress = new { unit, done = unit == "slots" ? status.SlotsDone : status.PartitionsDone, total = unit == "slots" ? status.SlotsTotal : status.PartitionsTotal },
            keysPlanned = status.KeysPlanned,
            keysCopied = status.Copied.Keys,
            keysRecopied = status.Copied.Recopied,
            bytesCopied = status.Copied.Bytes,
            keysTyped = status.Copied.Typed,
            keysChunked = status.Copied.Chunked,
            keysSkipped = status.Copied.Skipped,
            keysExcluded = status.Copied.Excluded,
            keysVanished = status.Copied.Vanished,
            errors = status.Copied.Errors,
            lastError = status.LastError,
            notes = explained,
            slotsDone = status.SlotsDone,
            slotsTotal = status.SlotsTotal,
            partitionsDone = status.PartitionsDone,
            partitionsTotal = status.PartitionsTotal,
            seconds = ran is null ? (double?)null : Math.Round(ran.Value.TotalSeconds, 3),
            cpuSeconds,
            peakRssBytes,
            verify = verify is null ? null : new
            {
                compared = verify.Compared,
                missing = verify.Missing,
                typeMismatch = verify.TypeMismatch,
                valueMismatch = verify.ValueMismatch,
                ttlDrift = verify.TtlDrift,
                differences = verify.Differences,
                extra = verify.Extra,
                kept = verify.Kept,
                evictions = verify.Evictions,
                examples = verify.Examples ?? [],
            },
            sync = status.Sync,
            cutover = status.Cutover is { } c ? Cutover(c) : null,
            files,
            leasesGranted = status.LeasesGranted,
            leasesExpired = status.LeasesExpired,
            keysBySilo = status.KeysBySilo,
            workers = status.Workers,
            shards = status.Shards,
            coordinator = status.Coordinator,
            guard = status.Guard,
        }, CliJson.Options);
    }

    private static object Cutover(CutoverSummary cutover) => new
    {
        inSync = cutover.InSync,
        passed = cutover.Passed,
        dryRun = cutover.DryRun,
        attempt = cutover.Attempt,
        heldUntil = cutover.HeldUntil,
        failed = cutover.Checks.Where(c => c.StartsWith("FAILED", StringComparison.Ordinal)).ToList(),
        inSyncAt = cutover.InSyncAt,
        lagSeconds = cutover.LagSeconds,
        pendingKeys = cutover.PendingKeys,
        sourceKeys = cutover.SourceKeys,
        targetKeys = cutover.TargetKeys,
        writesPaused = cutover.WritesPaused,
        checks = cutover.Checks,
        text = cutover.ToString(),
    };

    /// <summary>A report of work that ran in this process without a job (export, an RDB file's verify), in the same shape.</summary>
    public static JobStatus Local(JobKind kind, JobPhase phase, Counters copied, int done, int total, long keysPlanned, VerifyReport? verify, string? message = null) =>
        new("", phase, copied, 0, 0, done, total, keysPlanned, message, verify, new Dictionary<string, long>(), 0, 0, kind);
}
