using System.CommandLine;
using DistributedCopy.Abstractions;
using DistributedCopy.Core.Rdb;
using DistributedCopy.Core;
using DistributedCopy.Grains;
using System.Text.Json;

namespace DistributedCopy.Cli;

/// <summary>
/// `dcopy copy --source rdb:PATH`: one database of an RDB file (a BGSAVE, a backup, a service's export) loaded into the
/// target, each key's value bytes restored as they are, as a job with checkpoints (positions in the files).
/// </summary>
public static partial class FileCopy
{
    public const string Scheme = "rdb:";

    /// <summary>The source as a job stores it: the files' path after rdb:.</summary>
    private static EndpointSpec FileSpec(ParseResult parse, CopyOptionsSet options) => new(Scheme + parse.GetValue(options.Source)![Scheme.Length..], 0);

    public static bool IsFile(ParseResult parse, CopyOptionsSet options) => parse.GetValue(options.Source)?.StartsWith(Scheme, StringComparison.Ordinal) == true;

    /// <summary>`dcopy plan --source rdb:PATH`: what the file holds and whether the target restores it; nothing written.</summary>
    public static async Task<int> PlanAsync(ParseResult parse, CopyOptionsSet options, CancellationToken cancellationToken)
    {
        var report = PlanCommand.Report(parse);
        var (files, targetInfo, databases, _) = await OpenAsync(parse, options, options.CheckSettings(parse, JobKind.Copy), cancellationToken);
        var summaries = files.Select(f => (f.Path, Stats: RdbLoader.Summarize(f.Path))).ToList();
        RefuseSameSlots(summaries, databases);
        foreach (var (other, each) in summaries.Skip(1))
        {
            report.WriteLine($"source  {other} (RDB version {each.Version}): {each.Keys:N0} keys, by database {string.Join(", ", each.ByDatabase.OrderBy(d => d.Key).Select(d => $"{d.Key}: {d.Value:N0}"))}");
        }
        var (path, stats) = summaries[0];
        report.WriteLine($"source  {path} (RDB version {stats.Version}, {new FileInfo(path).Length / 1e6:F1} MB, checksum good): {stats.Keys:N0} keys ({stats.Expiring:N0} with an expiry), {stats.Expired:N0} already expired");
        report.WriteLine($"          by database: {string.Join(", ", stats.ByDatabase.OrderBy(d => d.Key).Select(d => $"{d.Key}: {d.Value:N0}"))}");
        report.WriteLine($"          by encoding: {string.Join(", ", stats.ByEncoding.OrderByDescending(e => e.Value).Select(e => $"{e.Key} {e.Value:N0}"))}");
        report.WriteLine($"target  {CopyCommand.Describe(targetInfo)}");
        var mode = options.ModeOf(parse);
        report.WriteLine($"check   RDB version {stats.Version} → {targetInfo.Topology.RdbVersion}: " + (mode == WriteMode.Typed
            ? "every value is decoded from the file and written by type (--mode typed)"
            : stats.Version > targetInfo.Topology.RdbVersion
                ? $"the target restores RDB version {targetInfo.Topology.RdbVersion} or older: values are decoded from the file and written by type"
                : "the file's values are restored as they are (by type where the target refuses a payload)"));
        report.WriteLine($"write   {stats.PayloadBytes / 1e6:F1} MB of payloads by RESTORE; loaded: {string.Join(", ", databases.Select(d => $"database {d} → {(targetInfo.Topology.IsCluster ? "the cluster" : $"database {RdbLoader.TargetDatabase(d, targetInfo.Endpoint, options.Selection.Parse(parse).Selection)}")}"))} (--db N, several allowed; 0 by default)");
        foreach (var note in stats.Notes)
        {
            report.WriteLine("note    " + note);
        }
        if (stats.Damage is not null)
        {
            report.WriteLine($"damaged {stats.Damage}: the counts above are of the keys before it; a load writes those and pauses there");
        }
        if (parse.GetValue(CliOptions.Json))
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                file = path,
                rdbVersion = stats.Version,
                keys = stats.Keys,
                expired = stats.Expired,
                expiring = stats.Expiring,
                payloadBytes = stats.PayloadBytes,
                byDatabase = stats.ByDatabase.ToDictionary(d => d.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), d => d.Value),
                byEncoding = stats.ByEncoding,
                targetRdbVersion = targetInfo.Topology.RdbVersion,
                notes = stats.Notes,
                damage = stats.Damage,
            }, CliJson.Options));
        }
        return ExitCodes.Success;
    }

    /// <summary>
    /// The files, checked whole and against the target, the databases to load and the target; bad input before anything is
    /// written. Database N of a file goes to database N of a standalone target (as a live copy's database does) unless the
    /// target endpoint names one or --db-map maps it; a cluster takes database 0 only.
    /// </summary>
    private static async Task<(List<(string Path, RdbLoader Loader)> Files, SideInfo Target, int[] Databases, JobSettings Settings)> OpenAsync(ParseResult parse, CopyOptionsSet options, JobSettings settings, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(parse.GetValue(options.Source)![Scheme.Length..]);
        // a folder: every *.rdb in it (one file per shard, as services export clustered caches)
        string[] paths = Directory.Exists(path) ? [.. Directory.GetFiles(path, "*.rdb").Order(StringComparer.Ordinal)] : File.Exists(path) ? [path] : [];
        if (paths.Length == 0)
        {
            throw new CliException(ExitCodes.BadInput, Directory.Exists(path) ? $"--source: the folder {path} holds no *.rdb file" : $"--source: there is no file {path}");
        }
        int[] databases = parse.GetValue(options.Databases) is { Length: > 0 } chosen ? [.. chosen.Distinct()] : [0];
        var targetInfo = await Preflight.InspectAsync(settings.Target, "target", parse.GetValue(options.TargetMode)!, cancellationToken);
        var rules = options.Selection.Parse(parse);
        var single = targetInfo.Topology.IsCluster ? "a cluster target has only database 0" : settings.Target.NamesDatabase ? $"the target names database {settings.Target.Database}" : null;
        if (databases.Length > 1 && single is not null && databases.Any(d => rules.Selection.TargetDatabase(d) is null))
        {
            throw new CliException(ExitCodes.BadInput, $"--db {string.Join(" --db ", databases)}: {single}; map each with --db-map ({string.Join(",", databases.Select(d => $"{d}=0"))} merges them), or load one at a time");
        }
        foreach (var database in databases)
        {
            var into = RdbLoader.TargetDatabase(database, settings.Target, rules.Selection);
            if (targetInfo.Topology.IsCluster && into != 0)
            {
                throw new CliException(ExitCodes.BadInput, $"--db {database}: the target is a cluster, which has database 0 only: --db-map {database}=0 loads the file's database {database} into it");
            }
            if (!targetInfo.Topology.IsCluster && into != settings.Target.Database)
            {
                // the database must exist on the target (databases N)
                await Preflight.InspectAsync(settings.Target with { Database = into, NamesDatabase = true }, "target", parse.GetValue(options.TargetMode)!, cancellationToken);
            }
        }
        if (rules.Preset.Length > 0)
        {
            throw new CliException(ExitCodes.BadInput, $"--preset {rules.Preset} converts values read from a server; it does not apply to an RDB file: load the file into a server and copy from there");
        }
        // the options the job's workers will load with, made as theirs are (from the job's spec)
        var copyOptions = JobSpecMapping.ToCopyOptions(options.NewSpec(parse, JobKind.Copy, settings, FileSpec(parse, options), databases, rules, verifyAfter: false), resuming: false);
        var loaders = new List<(string, RdbLoader)>();
        foreach (var file in paths)
        {
            try
            {
                // every file's header, checksum and version against the target are checked before anything is written
                loaders.Add((file, await RdbLoader.OpenAsync(file, targetInfo.Endpoint, copyOptions, cancellationToken)));
            }
            catch (CopyException ex)
            {
                throw new CliException(ExitCodes.BadInput, (paths.Length > 1 ? Path.GetFileName(file) + ": " : "") + ex.Message);
            }
        }
        return (loaders, targetInfo, databases, settings);
    }

    /// <summary>
    /// A job that loads the files, one partition each (a worker per file, on any silo that reads the same path), its
    /// checkpoints positions in the files: `dcopy resume` goes on from them, a file replaced meanwhile is refused.
    /// </summary>
    public static async Task<int> RunAsync(ParseResult parse, CopyOptionsSet options, bool verifyAfter, bool detach, bool functions, CancellationToken cancellationToken)
    {
        var settings = options.CheckSettings(parse, JobKind.Copy);
        // the silo starts while the files are checked
        var hosting = Task.Run(() => JobHost.StartAsync(parse, settings.JobId, cancellationToken), cancellationToken);
        List<(string Path, RdbLoader Loader)> files;
        int[] databases;
        JobSpec spec;
        try
        {
            (files, var targetInfo, databases, settings) = await OpenAsync(parse, options, settings, cancellationToken);
            // a file's size in memory is not known before it is read: the eviction policy is checked, not the free memory
            await Preflight.CheckWritableAsync(targetInfo, cancellationToken);
            MemoryCheck.Check(await MemoryCheck.ReadAsync(targetInfo, cancellationToken), 0, parse.GetValue(options.AllowEviction), true);
            var specs = new List<RdbFileSpec>();
            var summaries = files.Select(f => (f.Path, Stats: RdbLoader.Summarize(f.Path))).ToList();
            RefuseSameSlots(summaries, databases);
            foreach (var (path, stats) in summaries)
            {
                var keys = databases.ToDictionary(d => d, d => stats.ByDatabase.GetValueOrDefault(d));
                specs.Add(new RdbFileSpec(path, RdbFingerprint.Of(path), stats.Version, keys.Values.Sum()) { KeysByDatabase = keys });
                Console.Error.WriteLine($"file {path}: RDB version {stats.Version}, {string.Join(", ", keys.Select(k => $"{k.Value:N0} keys in database {k.Key}"))}"
                    + $"{(stats.Expired > 0 ? $", {stats.Expired:N0} already expired" : "")}{(stats.ByDatabase.Any(d => !databases.Contains(d.Key)) ? $", {stats.ByDatabase.Where(d => !databases.Contains(d.Key)).Sum(d => d.Value):N0} in other databases" : "")}");
                if (stats.Damage is not null)
                {
                    Console.Error.WriteLine($"  damaged: {stats.Damage}; the keys before it are loaded, then the job pauses there");
                }
            }
            var rules = options.Selection.Parse(parse);
            spec = options.NewSpec(parse, JobKind.Copy, settings, FileSpec(parse, options), databases, rules, verifyAfter: false);
            spec = spec with { Files = specs, CopyFunctions = functions };
            Console.Error.WriteLine($"job {spec.JobId}: {files.Count} file(s), database{(databases.Length > 1 ? "s" : "")} {string.Join(", ", databases)} → {CopyCommand.Describe(targetInfo)}");
        }
        catch
        {
            await JobHost.AbandonAsync(hosting);
            throw;
        }
        if (!verifyAfter)
        {
            return await CopyCommand.RunJobAsync(parse, spec, detach, cancellationToken, hosting: hosting);
        }
        // --verify: the load, then every key of the files compared with the target (the JSON is the verify's)
        var loaded = await CopyCommand.RunJobAsync(parse, spec, detach: false, cancellationToken, jsonLine: false, hosting: hosting);
        return loaded == ExitCodes.Success ? await CompareAsync(parse, options, files, databases, cancellationToken, loadedBy: spec.JobId) : loaded;
    }
}
