using System.CommandLine;
using System.Diagnostics;
using DistributedCopy.Abstractions;
using DistributedCopy.Core.Rdb;
using DistributedCopy.Core;
using DistributedCopy.Grains;

namespace DistributedCopy.Cli;

/// <summary>`dcopy export`: a live source written to RDB files, one per cluster master or per database of a server.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var options = new CopyOptionsSet();
        var to = new Option<string>("--to") { Description = "The folder the files are written to (made if missing): one <host>_<port>.rdb per cluster master, or db<N>.rdb per database of a server.", Required = true };
        var command = new Command("export", "Write a live source to RDB files (for backups and for services that import RDB files): from DUMP payloads with their expiry, at the source's RDB version, checksummed.")
        {
            options.Source, options.SourceCa, options.Insecure, options.Timeout, options.ReadFrom, to, CliOptions.Json,
        };
        options.SourcePassword.AddTo(command);
        // files keep the source's databases and values: no --db-map, no --preset
        options.Selection.AddTo(command, databaseMap: false, preset: false);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (source, _) = options.SourcePassword.Apply(parse, EndpointParser.Parse(parse.GetValue(options.Source)!, "source", parse.GetValue(options.SourceCa), parse.GetValue(options.Insecure))
                with { Timeout = TimeSpan.FromSeconds(parse.GetValue(options.Timeout)) });
            var sourceInfo = await Preflight.InspectAsync(source, "source", "auto", cancellationToken);
            var rules = options.Selection.Parse(parse);
            if (rules.Selection.Preset.Length > 0 || rules.Selection.DatabaseMap.Count > 0)
            {
                throw new CliException(ExitCodes.BadInput, "dcopy export takes no --preset or --db-map: files keep the source's databases and values");
            }
            var copyOptions = new CopyOptions { ReadFromReplica = parse.GetValue(options.ReadFrom) == "replica", Selection = rules.Selection };
            if (copyOptions.ReadFromReplica)
            {
                await Preflight.CheckReplicasAsync(sourceInfo, cancellationToken);
            }
            var folder = Path.GetFullPath(parse.GetValue(to)!);
            Console.Error.WriteLine($"export {CopyCommand.Describe(sourceInfo)} → {folder}");
            var clock = Stopwatch.StartNew();
            var exporter = await RdbExporter.OpenAsync(sourceInfo.Endpoint, copyOptions, cancellationToken);
            IReadOnlyList<(string Path, long Keys, long Bytes)> files;
            try
            {
                files = await exporter.ExportAsync(folder, cancellationToken);
            }
            catch (CopyException ex)
            {
                Console.Error.WriteLine($"export stopped: {ex.Message} (files not finished are left as *.partial)");
                return ExitCodes.JobFailed;
            }
            // the summary is the command's output (stdout); with --json, the JSON line is, and the summary goes to stderr
            var report = ReportOutput.To(parse.GetValue(CliOptions.Json));
            foreach (var (path, keys, bytes) in files)
            {
                report.WriteLine($"  {Path.GetFileName(path)}: {keys:N0} keys, {bytes / 1e6:F1} MB");
            }
            report.WriteLine($"exported {files.Sum(f => f.Keys):N0} keys into {files.Count} file(s) in {clock.Elapsed.TotalSeconds:F1} s");
            if (parse.GetValue(CliOptions.Json))
            {
                var keys = files.Sum(f => f.Keys);
                var done = JobJson.Local(JobKind.Copy, JobPhase.Completed, new Counters(Keys: keys, Bytes: files.Sum(f => f.Bytes)), files.Count, files.Count, keys, null);
                Console.WriteLine(JobJson.Of("export", done, clock.Elapsed, files.Select(f => (object)new { path = f.Path, keys = f.Keys, bytes = f.Bytes }),
                    [$"the files are in {folder}"], local: "export"));
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
