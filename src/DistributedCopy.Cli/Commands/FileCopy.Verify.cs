using System.CommandLine;
using DistributedCopy.Abstractions;
using DistributedCopy.Core.Rdb;
using DistributedCopy.Core;
using DistributedCopy.Grains;
using System.Text.Json;

namespace DistributedCopy.Cli;

// FileCopy, part 2: `dcopy verify --source rdb:PATH`, and the checks both the load and the verify make of the files.
public static partial class FileCopy
{
    /// <summary>`dcopy verify --source rdb:PATH`: every key of the files compared with the target; nothing written.</summary>
    public static async Task<int> VerifyAsync(ParseResult parse, CopyOptionsSet options, CancellationToken cancellationToken)
    {
        var (files, _, databases, _) = await OpenAsync(parse, options, options.CheckSettings(parse, JobKind.Verify), cancellationToken);
        return await CompareAsync(parse, options, files, databases, cancellationToken);
    }

    /// <summary>
    /// Refuses two files holding keys of the database in one hash slot: two dumps of one shard or one server, loaded in
    /// parallel, would leave whichever value is written last. Files that share no slot share no key (a cluster's shards).
    /// </summary>
    private static void RefuseSameSlots(IReadOnlyList<(string Path, RdbFileStats Stats)> files, int[] databases)
    {
        foreach (var database in databases)
        {
            var owner = new int[HashSlot.Count];
            Array.Fill(owner, -1);
            for (var f = 0; f < files.Count; f++)
            {
                var slots = files[f].Stats.SlotsOf(database);
                for (var slot = 0; slot < HashSlot.Count; slot++)
                {
                    if (!slots[slot])
                    {
                        continue;
                    }
                    if (owner[slot] >= 0)
                    {
                        throw new CliException(ExitCodes.BadInput, $"--source: {files[owner[slot]].Path} and {files[f].Path} both hold keys of database {database} in hash slot {slot}: two dumps of one shard or one server (the older value could win); keep one of them in the folder, or load each in a run of its own");
                    }
                    owner[slot] = f;
                }
            }
        }
    }

    /// <param name="loadedBy">The job that loaded the files just before (copy --verify): its counts are its own report's.</param>
    private static async Task<int> CompareAsync(ParseResult parse, CopyOptionsSet options, List<(string Path, RdbLoader Loader)> files, int[] databases, CancellationToken cancellationToken, string? loadedBy = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        // the verify's report is the command's output (stdout); with --json, the JSON line is, and the report goes to stderr
        var report = PlanCommand.Report(parse);
        var results = new List<VerifyResult>();
        foreach (var (path, loader, database) in files.SelectMany(f => databases.Select(d => (f.Path, f.Loader, d))))
        {
            var result = await loader.VerifyAsync(database, parse.GetValue(options.TtlTolerance), parse.GetValue(options.Examples), cancellationToken);
            report.WriteLine($"verify {path}, database {database}: compared {result.Compared:N0} keys: missing {result.Missing}, type {result.TypeMismatch}, value {result.ValueMismatch}, ttl {result.TtlDrift}"
                + (result.Kept > 0 ? $"; kept {result.Kept:N0} (the target's own value, left in place under skip-existing; not differences)" : ""));
            foreach (var example in result.Examples)
            {
                report.WriteLine("    " + example);
            }
            results.Add(result);
        }
        var differences = results.Sum(r => r.Differences);
        report.WriteLine($"verified {results.Sum(r => r.Compared):N0} keys of {files.Count} file(s) against the target: {(differences == 0 ? "identical" : $"{differences:N0} differences")} (keys the target holds beyond the files are not looked for); {clock.Elapsed.TotalSeconds:F1} s");
        if (parse.GetValue(CliOptions.Json))
        {
            var verify = new VerifyReport(results.Sum(r => r.Compared), results.Sum(r => r.Missing), results.Sum(r => r.TypeMismatch), results.Sum(r => r.ValueMismatch),
                results.Sum(r => r.TtlDrift), [.. results.SelectMany(r => r.Examples)]) { Kept = results.Sum(r => r.Kept) };
            var done = JobJson.Local(JobKind.Verify, JobPhase.Completed, new Counters(), files.Count, files.Count, verify.Compared, verify);
            List<string> notes = ["verify.extra is 0: keys the target holds beyond the files are not looked for"];
            if (loadedBy is not null)
            {
                notes.Add($"the files were loaded by job {loadedBy} before this verify (`dcopy status {loadedBy}{Hints.Where(parse)}` gives its keys copied); keysCopied here is the verify's, 0");
            }
            Console.WriteLine(JobJson.Of("verify", done, clock.Elapsed, notes: notes, local: "verify"));
        }
        return differences > 0 ? ExitCodes.DifferencesFound : ExitCodes.Success;
    }
}
