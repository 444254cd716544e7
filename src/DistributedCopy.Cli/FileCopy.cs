using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using DistributedCopy.Core;
using DistributedCopy.Core.Files;

namespace DistributedCopy.Cli;

/// <summary>
/// `dcopy copy --source rdb:PATH`: one database of an RDB file (a BGSAVE, a backup, a service's export) loaded into the
/// target in this process, each key's value bytes restored as they are. No checkpoints yet: run again to load again.
/// </summary>
public static class FileCopy
{
    public const string Scheme = "rdb:";

    public static bool IsFile(ParseResult parse, CopyOptionsSet options) => parse.GetValue(options.Source)?.StartsWith(Scheme, StringComparison.Ordinal) == true;

    /// <summary>`dcopy plan --source rdb:PATH`: what the file holds and whether the target restores it; nothing written.</summary>
    public static async Task<int> PlanAsync(ParseResult parse, CopyOptionsSet options, CancellationToken cancellationToken)
    {
        var (files, targetInfo, _) = await OpenAsync(parse, options, cancellationToken);
        foreach (var (other, _) in files.Skip(1))
        {
            var each = RdbLoader.Summarize(other);
            Console.Error.WriteLine($"source  {other} (RDB version {each.Version}): {each.Keys:N0} keys, by database {string.Join(", ", each.ByDatabase.OrderBy(d => d.Key).Select(d => $"{d.Key}: {d.Value:N0}"))}");
        }
        var path = files[0].Path;
        var stats = RdbLoader.Summarize(path);
        Console.Error.WriteLine($"source  {path} (RDB version {stats.Version}, {new FileInfo(path).Length / 1e6:F1} MB, checksum good): {stats.Keys:N0} keys, {stats.Expired:N0} already expired");
        Console.Error.WriteLine($"          by database: {string.Join(", ", stats.ByDatabase.OrderBy(d => d.Key).Select(d => $"{d.Key}: {d.Value:N0}"))}");
        Console.Error.WriteLine($"          by encoding: {string.Join(", ", stats.ByEncoding.OrderByDescending(e => e.Value).Select(e => $"{e.Key} {e.Value:N0}"))}");
        Console.Error.WriteLine($"target  {CopyCommand.Describe(targetInfo)}");
        Console.Error.WriteLine($"check   RDB version {stats.Version} → {targetInfo.Topology.RdbVersion}: the file's values are restored as they are");
        Console.Error.WriteLine($"write   {stats.PayloadBytes / 1e6:F1} MB of payloads by RESTORE, database by database (--db N; 0 by default)");
        foreach (var note in stats.Notes)
        {
            Console.Error.WriteLine("note    " + note);
        }
        if (parse.GetValue(CliOptions.Json))
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                file = path,
                rdbVersion = stats.Version,
                keys = stats.Keys,
                expired = stats.Expired,
                payloadBytes = stats.PayloadBytes,
                byDatabase = stats.ByDatabase.ToDictionary(d => d.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), d => d.Value),
                byEncoding = stats.ByEncoding,
                targetRdbVersion = targetInfo.Topology.RdbVersion,
                notes = stats.Notes,
            }));
        }
        return ExitCodes.Success;
    }

    /// <summary>The file, checked whole and against the target, and the target; bad input before anything is written.</summary>
    private static async Task<(List<(string Path, RdbLoader Loader)> Files, SideInfo Target, int Database)> OpenAsync(ParseResult parse, CopyOptionsSet options, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(parse.GetValue(options.Source)![Scheme.Length..]);
        // a folder: every *.rdb in it (one file per shard, as services export clustered caches)
        string[] paths = Directory.Exists(path) ? [.. Directory.GetFiles(path, "*.rdb").Order(StringComparer.Ordinal)] : File.Exists(path) ? [path] : [];
        if (paths.Length == 0)
        {
            throw new CliException(ExitCodes.BadInput, Directory.Exists(path) ? $"--source: the folder {path} holds no *.rdb file" : $"--source: there is no file {path}");
        }
        if (parse.GetValue(CliOptions.Control) is not null)
        {
            throw new CliException(ExitCodes.BadInput, "an RDB file is loaded by this process for now: leave out --control");
        }
        var databases = parse.GetValue(options.Databases) ?? [];
        if (databases.Length > 1)
        {
            throw new CliException(ExitCodes.BadInput, "--db: an RDB file is loaded one database at a time");
        }
        var timeout = TimeSpan.FromSeconds(parse.GetValue(options.Timeout));
        var (target, _) = options.TargetPassword.Apply(parse, EndpointParser.Parse(parse.GetValue(options.Target)!, "target", parse.GetValue(options.TargetCa), parse.GetValue(options.Insecure)) with { Timeout = timeout });
        var targetInfo = await Preflight.InspectAsync(target, "target", parse.GetValue(options.TargetMode)!, cancellationToken);
        var rules = options.Selection.Parse(parse);
        var copyOptions = new CopyOptions
        {
            Policy = parse.GetValue(options.Policy) switch { "skip-existing" => OverwritePolicy.SkipExisting, "fail-on-existing" => OverwritePolicy.FailOnExisting, _ => OverwritePolicy.Replace },
            BatchSize = parse.GetValue(options.BatchSize),
            PipelinesPerShard = parse.GetValue(options.Pipelines),
            RetryBudget = TimeSpan.FromSeconds(parse.GetValue(options.RetryBudget)),
            Selection = rules.Selection,
        };
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
        return (loaders, targetInfo, databases.Length == 1 ? databases[0] : 0);
    }

    public static async Task<int> RunAsync(ParseResult parse, CopyOptionsSet options, CancellationToken cancellationToken)
    {
        var (files, targetInfo, database) = await OpenAsync(parse, options, cancellationToken);
        Console.Error.WriteLine($"load {string.Join(", ", files.Select(f => $"{Path.GetFileName(f.Path)} (RDB version {f.Loader.Stats.Version})"))}, database {database} → {CopyCommand.Describe(targetInfo)}");
        var clock = Stopwatch.StartNew();
        var failures = new List<string>();
        // files in parallel, four at a time: each its own pipelines to every target master
        using var slots = new SemaphoreSlim(4);
        await Task.WhenAll(files.Select(async file =>
        {
            await slots.WaitAsync(cancellationToken);
            try
            {
                await file.Loader.LoadAsync(database, cancellationToken);
            }
            catch (CopyException ex)
            {
                lock (failures)
                {
                    failures.Add((files.Count > 1 ? Path.GetFileName(file.Path) + ": " : "") + ex.Message);
                }
            }
            finally
            {
                slots.Release();
            }
        }));
        var failed = failures.Count == 0 ? null : string.Join("; ", failures);
        var (copied, skipped, excluded) = (files.Sum(f => f.Loader.Progress.KeysCopied), files.Sum(f => f.Loader.Progress.KeysSkipped), files.Sum(f => f.Loader.Progress.KeysExcluded));
        var (expired, bytes) = (files.Sum(f => f.Loader.Stats.Expired), files.Sum(f => f.Loader.Stats.PayloadBytes));
        Console.Error.WriteLine($"{(failed is null ? "loaded" : "stopped")}: {copied:N0} keys written ({bytes / 1e6:F1} MB of payloads) from {files.Count} file(s), skipped {skipped:N0}, excluded {excluded:N0}, "
            + $"expired in the file {expired:N0}; {clock.Elapsed.TotalSeconds:F1} s{(failed is null ? "" : " — " + failed)}");
        var others = files.SelectMany(f => f.Loader.Stats.OtherDatabases).GroupBy(o => o.Key).ToDictionary(g => g.Key, g => g.Sum(o => o.Value));
        foreach (var (other, keys) in others)
        {
            Console.Error.WriteLine($"  note: database {other} holds {keys:N0} keys, not loaded (--db {other} loads it)");
        }
        foreach (var note in files.SelectMany(f => f.Loader.Stats.Notes.Concat(f.Loader.Progress.TakeNotes())).Distinct())
        {
            Console.Error.WriteLine("  note: " + note);
        }
        if (parse.GetValue(CliOptions.Json))
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                files = files.Select(f => new { file = f.Path, rdbVersion = f.Loader.Stats.Version, keysCopied = f.Loader.Progress.KeysCopied, encodings = f.Loader.Stats.ByEncoding }),
                database,
                phase = failed is null ? "completed" : "failed",
                message = failed,
                keysCopied = copied,
                keysSkipped = skipped,
                keysExcluded = excluded,
                expired,
                payloadBytes = bytes,
                otherDatabases = others.ToDictionary(kv => kv.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), kv => kv.Value),
                seconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            }));
        }
        return failed is null ? ExitCodes.Success : ExitCodes.JobFailed;
    }
}
