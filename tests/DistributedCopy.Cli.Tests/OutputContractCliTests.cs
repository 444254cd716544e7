using System.Text.Json;
using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>
/// What README promises of dcopy's output: a report on stdout (stderr beside --json), and one JSON shape for every command
/// that reports on a job, whatever the command, with a note for each null an operator would look at.
/// </summary>
public sealed class OutputContractCliTests
{
    [RedisFact]
    public async Task EveryJobReportIsOneJsonShapeAndTheHumanReportIsTheOutputWithoutJson()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await using var empty = await RedisServer.StartAsync();
        for (var i = 0; i < 200; i++)
        {
            await source.ExecuteAsync("SET", $"k:{i}", $"v{i}");
        }
        for (var i = 0; i < 20; i++)
        {
            await source.ExecuteAsync("SET", $"one:{i}", "x");
            await source.ExecuteAsync("MOVE", $"one:{i}", "1");
        }
        var state = Dcopy.StateDir();
        var folder = Path.Combine(Path.GetTempPath(), "dcopy-tests", "contract-" + Guid.NewGuid().ToString("N")[..10]);
        string[] sides = ["--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--state-dir", state, "--progress", "none"];

        var copy = await Run(["copy", .. sides, "--job-id", "shape", "--verify", "--json"]);
        var status = await Run(["status", "shape", "--state-dir", state, "--json"]);
        var verify = await Run(["verify", .. sides, "--job-id", "check", "--json"]);
        var export = await Run(["export", "--source", source.Endpoint.Address, "--to", folder, "--json"]);
        var nothing = await Run(["verify", "--source", empty.Endpoint.Address, "--target", target.Endpoint.Address, "--state-dir", state, "--progress", "none", "--job-id", "none", "--json"]);
        var reports = new[] { copy, status, verify, export, nothing };

        // one shape: the same names in every report, camelCase, phases and kinds as words
        var names = Names(copy.Json);
        foreach (var report in reports)
        {
            Assert.Equal(names, Names(report.Json));
            Assert.All(Names(report.Json), n => Assert.True(char.IsLower(n[0]), $"{n} in {report}"));
            Assert.Equal("completed", report.Json.GetProperty("phase").GetString());
            // stdout is the JSON line alone; the human report went to stderr
            Assert.Single(report.Stdout.Trim().Split('\n'));
        }
        Assert.Equal(["copy", "status", "verify", "export", "verify"], reports.Select(r => r.Json.GetProperty("command").GetString()));
        Assert.Equal(["verify", "verify", "verify", "export", "verify"], reports.Select(r => r.Json.GetProperty("kind").GetString()));
        Assert.Equal(220, copy.Json.GetProperty("keysCopied").GetInt64());
        Assert.Equal(220, status.Json.GetProperty("keysCopied").GetInt64());
        Assert.Equal(220, export.Json.GetProperty("keysCopied").GetInt64());
        Assert.Equal(220, verify.Json.GetProperty("verify").GetProperty("compared").GetInt64());
        Assert.Equal(("databases", 2, 2), Progress(copy.Json));
        Assert.Equal("files", Progress(export.Json).Unit);

        // nulls an operator would look at come with a note saying why
        Assert.Equal(JsonValueKind.Null, status.Json.GetProperty("seconds").ValueKind);
        Assert.Contains(Notes(status.Json), n => n.StartsWith("seconds, cpuSeconds and peakRssBytes are null", StringComparison.Ordinal));
        Assert.True(copy.Json.GetProperty("seconds").GetDouble() > 0);
        Assert.Equal(JsonValueKind.Null, export.Json.GetProperty("jobId").ValueKind);
        Assert.Contains(Notes(export.Json), n => n.StartsWith("jobId is null", StringComparison.Ordinal));
        Assert.Equal(JsonValueKind.Null, export.Json.GetProperty("verify").ValueKind);
        Assert.Contains(Notes(export.Json), n => n.StartsWith("verify is null", StringComparison.Ordinal));
        Assert.Equal(0, nothing.Json.GetProperty("verify").GetProperty("compared").GetInt64());
        Assert.Contains(Notes(nothing.Json), n => n.StartsWith("verify compared 0 keys: the source had none", StringComparison.Ordinal));
        Assert.Contains("verified 0 keys: the source had none to compare", nothing.Stderr, StringComparison.Ordinal);
        // each note once
        Assert.All(reports, r => Assert.Equal(Notes(r.Json).Distinct().Count(), Notes(r.Json).Count));

        // without --json the report is the output: stdout, so `> summary.txt` keeps it
        var plain = await Dcopy.RunAsync(["status", "shape", "--state-dir", state]);
        Assert.StartsWith("job shape: completed", plain.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("job shape: completed", plain.Stderr, StringComparison.Ordinal);
        await target.ExecuteAsync("FLUSHALL");
        var again = await Dcopy.RunAsync(["copy", .. sides, "--job-id", "plain"]);
        Assert.True(again.ExitCode == ExitCodes.Success, again.ToString());
        Assert.Contains("job plain: completed", again.Stdout, StringComparison.Ordinal);
        Assert.Contains("  copied 220 keys", again.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("  copied 220 keys", again.Stderr, StringComparison.Ordinal);
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    private static async Task<DcopyResult> Run(string[] arguments)
    {
        var result = await Dcopy.RunAsync(arguments);
        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        return result;
    }

    private static List<string> Names(JsonElement json) => [.. json.EnumerateObject().Select(p => p.Name)];

    private static List<string> Notes(JsonElement json) => [.. json.GetProperty("notes").EnumerateArray().Select(n => n.GetString()!)];

    private static (string Unit, int Done, int Total) Progress(JsonElement json)
    {
        var progress = json.GetProperty("progress");
        return (progress.GetProperty("unit").GetString()!, progress.GetProperty("done").GetInt32(), progress.GetProperty("total").GetInt32());
    }
}
