using System.Text.RegularExpressions;
using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>
/// What dcopy tells an operator to do next works as printed: the resume hint of a paused job carries the state directory,
/// cancel of an ended job says so with its own exit code, and a merge of databases into a cluster is found from the refusal.
/// </summary>
public sealed partial class OperatorHintsCliTests
{
    [RedisFact]
    public async Task APausedCopysResumeHintRunsAsPrintedAndCancelOfTheEndedJobSaysSo()
    {
        await using var source = await RedisServer.StartAsync();
        // a target that evicts: the job pauses at the first eviction, with its resume hint
        await using var target = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = ["maxmemory 2mb", "maxmemory-policy allkeys-lru"] });
        await using (var connection = await source.ConnectAsync())
        {
            for (var i = 0; i < 5000; i++)
            {
                await connection.ExecuteAsync("SET", $"k:{i}", new string('v', 1024));
            }
        }
        var state = Dcopy.StateDir();

        var paused = await Dcopy.RunAsync("copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--job-id", "hinted", "--state-dir", state,
            "--allow-eviction", "--allow-over-memory", "--progress", "none");
        Assert.True(paused.ExitCode == ExitCodes.JobFailed, paused.ToString());
        // the summary is the command's output: stdout
        var hint = ResumeHint().Match(paused.Stdout);
        Assert.True(hint.Success, paused.ToString());
        Assert.Equal($"dcopy resume hinted --state-dir {state}", hint.Groups[1].Value);

        // pasted as printed (the words after "dcopy")
        await target.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
        var resumed = await Dcopy.RunAsync([.. hint.Groups[1].Value.Split(' ')[1..], "--progress", "none", "--json"]);
        Assert.True(resumed.ExitCode == ExitCodes.Success, resumed.ToString());
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.Equal(5000, comparison.SourceKeys);
        // a standalone database paused midway: each key counted once over both runs, those written twice counted apart
        Assert.Equal(5000, resumed.Json.GetProperty("keysCopied").GetInt64());
        Assert.Equal(0, resumed.Json.GetProperty("keysSkipped").GetInt64());

        var cancel = await Dcopy.RunAsync("cancel", "hinted", "--state-dir", state);
        Assert.True(cancel.ExitCode == ExitCodes.AlreadyEnded, cancel.ToString());
        Assert.Contains("job hinted had ended already (completed): nothing to cancel", cancel.Stderr, StringComparison.Ordinal);
    }

    [RedisFact]
    public async Task DatabasesMergeIntoAClusterWithTheWildcardMapAndAnUnmappedDatabaseZeroKeepsItsNumber()
    {
        await using var source = await RedisServer.StartAsync();
        foreach (var database in new[] { 0, 1, 5 })
        {
            await using var connection = await Core.Resp.RespConnection.ConnectAsync(source.Endpoint with { Database = database, NamesDatabase = true });
            for (var i = 0; i < 100; i++)
            {
                await connection.ExecuteAsync("SET", $"db{database}:{i}", $"v{i}");
            }
        }
        await using var first = await RedisCluster.StartAsync(masters: 3);
        await using var second = await RedisCluster.StartAsync(masters: 3);

        // the refusal names the way to merge
        var refused = await Dcopy.RunAsync("copy", "--source", source.Endpoint.Address, "--target", Dcopy.Address(first), "--state-dir", Dcopy.StateDir(), "--progress", "none");
        Assert.True(refused.ExitCode == ExitCodes.BadInput, refused.ToString());
        Assert.Contains("merge them with --db-map '*=0' (or 1=0,5=0)", refused.Stderr, StringComparison.Ordinal);

        // database 0 needs no mapping into a cluster's database 0
        var mapped = await Dcopy.RunAsync("copy", "--source", source.Endpoint.Address, "--target", Dcopy.Address(first), "--db", "0", "--db", "1", "--db", "5",
            "--db-map", "1=0,5=0", "--state-dir", Dcopy.StateDir(), "--progress", "none", "--json");
        Assert.True(mapped.ExitCode == ExitCodes.Success, mapped.ToString());
        Assert.Equal(300, mapped.Json.GetProperty("keysCopied").GetInt64());

        var everything = await Dcopy.RunAsync("copy", "--source", source.Endpoint.Address, "--target", Dcopy.Address(second), "--db-map", "*=0",
            "--state-dir", Dcopy.StateDir(), "--progress", "none", "--json", "--verify");
        Assert.True(everything.ExitCode == ExitCodes.Success, everything.ToString());
        Assert.Equal(300, everything.Json.GetProperty("verify").GetProperty("compared").GetInt64());
        Assert.Equal(300, await KeyCounter.DbSizeAsync(second.Endpoint));
    }

    [RedisFact]
    public async Task PlanSummarizesItsPartitionsUnlessAskedToListThem()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        string[] plan = ["plan", "--source", Dcopy.Address(source), "--target", Dcopy.Address(target)];

        var summary = await Dcopy.RunAsync(plan);
        Assert.True(summary.ExitCode == ExitCodes.Success, summary.ToString());
        // the report is plan's output, on stdout: `dcopy plan > plan.txt` keeps it
        var line = System.Text.RegularExpressions.Regex.Match(summary.Stdout, @"plan    (\d+) partitions for 4 workers, [\d,]+ to [\d,]+ keys each \(median [\d,]+\); --verbose lists them");
        Assert.True(line.Success, summary.ToString());
        Assert.StartsWith("source  ", summary.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("          slots ", summary.Stdout, StringComparison.Ordinal);

        var listed = await Dcopy.RunAsync([.. plan, "--verbose"]);
        Assert.True(listed.ExitCode == ExitCodes.Success, listed.ToString());
        Assert.Equal(int.Parse(line.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), System.Text.RegularExpressions.Regex.Matches(listed.Stdout, "          slots ").Count);
    }

    [RedisFact]
    public async Task PlanQuotesTheKeysOfTheDatabasesAskedForAndSaysWhatItsSizesMeasure()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await using (var connection = await source.ConnectAsync())
        {
            foreach (var (database, keys) in new[] { (0, 100), (1, 30), (2, 20) })
            {
                await connection.ExecuteAsync("SELECT", database.ToString(System.Globalization.CultureInfo.InvariantCulture));
                for (var i = 0; i < keys; i++)
                {
                    await connection.ExecuteAsync("SET", $"k:{database}:{i}", "value");
                }
            }
        }

        var plan = await Dcopy.RunAsync("plan", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--db", "1", "--db", "2");

        Assert.True(plan.ExitCode == ExitCodes.Success, plan.ToString());
        var sourceLine = plan.Stdout.Split('\n').Single(l => l.StartsWith("source  ", StringComparison.Ordinal));
        Assert.Contains(", 50 keys)", sourceLine, StringComparison.Ordinal);
        Assert.Contains("in the source's memory", plan.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"big     keys above 32 MB \(MEMORY USAGE\) go by type in chunks under a temporary name, renamed when complete: 0 of the \d+ sampled keys are that big", plan.Stdout);
    }

    [RedisFact]
    public async Task AVerifiedCopyOfAnEmptySourceSaysWhyItsVerifyIsEmpty()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();

        var copy = await Dcopy.RunAsync("copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--state-dir", Dcopy.StateDir(),
            "--verify", "--json", "--progress", "none");

        Assert.True(copy.ExitCode == ExitCodes.Success, copy.ToString());
        Assert.Equal(0, copy.Json.GetProperty("verify").GetProperty("compared").GetInt64());
        var note = Assert.Single(copy.Json.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("verify: nothing to compare", StringComparison.Ordinal));
        Assert.Contains("note: " + note.GetString(), copy.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, copy.Json.GetProperty("keysCopied").GetInt64());
    }

    [GeneratedRegex("`(dcopy resume [^`]+)` continues")]
    private static partial Regex ResumeHint();
}
