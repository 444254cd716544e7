using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>--match, --exclude, --rename and --db-map as an operator uses them: plan says what will happen, copy and verify do it.</summary>
public sealed class SelectionCliTests
{
    [RedisFact]
    public async Task PlanShowsTheSelectionAndRenamesThenCopyAndVerifyFollowThem()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        for (var i = 0; i < 300; i++)
        {
            await source.ExecuteAsync("SET", $"user:{{u{i}}}:name", $"n{i}");
        }
        for (var i = 0; i < 100; i++)
        {
            await source.ExecuteAsync("SET", $"user:tmp:{i}", "scratch");
            await source.ExecuteAsync("SET", $"cache:{i}", "other");
        }
        string[] rules = ["--match", "user:*", "--exclude", "user:tmp:*", "--rename", "^user:\\{(.*)\\}:(.*)$=member:{$1}:$2"];

        var plan = await Dcopy.RunAsync(["plan", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--json", .. rules]);
        Assert.True(plan.ExitCode == ExitCodes.Success, plan.ToString());
        Assert.Contains("select  300 of 500 sampled keys selected (60.0%): about 300 of 500 keys copied", plan.Stderr, StringComparison.Ordinal);
        Assert.Contains("rename  300 of 300 sampled keys renamed by 1 rule(s); no two sampled keys get one name", plan.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"user:\{u\d+\}:name → member:\{u\d+\}:name \(slot (\d+) → \1\)", plan.Stderr);
        Assert.Equal(300, plan.Json.GetProperty("selection").GetProperty("selected").GetInt32());
        Assert.Equal(0, plan.Json.GetProperty("selection").GetProperty("hashTagChanged").GetInt32());
        // keys without a hash tag renamed: the plan says they hash elsewhere, not that a tag changed
        var untagged = await Dcopy.RunAsync("plan", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--match", "cache:*", "--rename", "^cache:(.*)$=c2:$1");
        Assert.True(untagged.ExitCode == ExitCodes.Success, untagged.ToString());
        Assert.Contains("100 hash to another slot under their new name (keys that shared a slot, by a hash tag or otherwise, may not any more)", untagged.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("change their hash tag", untagged.Stdout, StringComparison.Ordinal);

        var copy = await Dcopy.RunAsync(["copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--state-dir", Dcopy.StateDir(), "--progress", "none", "--json", .. rules]);
        Assert.True(copy.ExitCode == ExitCodes.Success, copy.ToString());
        Assert.Equal(300, copy.Json.GetProperty("keysCopied").GetInt64());
        // SCAN MATCH user:* on the server: the cache:* keys are never listed; the user:tmp:* keys are listed and left out
        Assert.Equal(100, copy.Json.GetProperty("keysExcluded").GetInt64());
        Assert.Equal("300", await target.ExecuteAsync("DBSIZE"));
        Assert.Equal("n7", await target.ExecuteAsync("GET", "member:{u7}:name"));

        var verify = await Dcopy.RunAsync(["verify", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--state-dir", Dcopy.StateDir(), "--progress", "none", "--json", .. rules]);
        Assert.True(verify.ExitCode == ExitCodes.Success, verify.ToString());
        Assert.Equal(300, verify.Json.GetProperty("verify").GetProperty("compared").GetInt64());
        Assert.Contains("extra) were not looked for: --rename", verify.Stderr, StringComparison.Ordinal);
    }

    [RedisFact]
    public async Task ADatabaseMapWritesOneDatabaseIntoAnotherAndVerifyComparesThem()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await new StandardDataSet(0.001).LoadAsync(source.Endpoint with { Database = 1 });
        string[] map = ["--db", "1", "--db-map", "1=3"];

        var copy = await Dcopy.RunAsync(["copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--state-dir", Dcopy.StateDir(), "--progress", "none", "--json", .. map]);
        Assert.True(copy.ExitCode == ExitCodes.Success, copy.ToString());

        var comparison = await DataComparer.CompareAsync(source.Endpoint with { Database = 1, NamesDatabase = true }, target.Endpoint with { Database = 3, NamesDatabase = true });
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.Equal("0", await target.ExecuteAsync("DBSIZE"));
        var verify = await Dcopy.RunAsync(["verify", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--state-dir", Dcopy.StateDir(), "--progress", "none", "--json", .. map]);
        Assert.True(verify.ExitCode == ExitCodes.Success, verify.ToString());
        Assert.Equal(comparison.SourceKeys, verify.Json.GetProperty("verify").GetProperty("compared").GetInt64());
        Assert.Equal(0, verify.Json.GetProperty("verify").GetProperty("extra").GetInt64());
    }

    [RedisFact]
    public async Task AMergeOfTwoDatabasesUnderSkipExistingVerifiesCleanCountingTheKeysLeftAloneAsKept()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await using (var one = await Core.Resp.RespConnection.ConnectAsync(source.Endpoint with { Database = 1, NamesDatabase = true }))
        {
            for (var i = 0; i < 200; i++)
            {
                await one.ExecuteAsync("SET", $"a:{i}", $"one-{i}");
            }
        }
        await using (var two = await Core.Resp.RespConnection.ConnectAsync(source.Endpoint with { Database = 2, NamesDatabase = true }))
        {
            // 50 names both databases hold, with other values: whichever database is written first keeps them
            for (var i = 0; i < 50; i++)
            {
                await two.ExecuteAsync("SET", $"a:{i}", $"two-{i}");
            }
            for (var i = 0; i < 100; i++)
            {
                await two.ExecuteAsync("SET", $"b:{i}", $"two-{i}");
            }
        }
        string[] merge = ["--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--db", "1", "--db", "2", "--db-map", "1=0,2=0",
            "--policy", "skip-existing", "--state-dir", Dcopy.StateDir(), "--progress", "none", "--json"];

        var copied = await Dcopy.RunAsync(["copy", .. merge, "--verify"]);
        Assert.True(copied.ExitCode == ExitCodes.Success, copied.ToString());
        var verified = copied.Json.GetProperty("verify");
        Assert.Equal(350, verified.GetProperty("compared").GetInt64());
        Assert.Equal(50, verified.GetProperty("kept").GetInt64());
        Assert.Equal(0, verified.GetProperty("missing").GetInt64() + verified.GetProperty("valueMismatch").GetInt64() + verified.GetProperty("ttlDrift").GetInt64());
        Assert.Contains(verified.GetProperty("examples").EnumerateArray(), e => e.GetString()!.StartsWith("kept: a:", StringComparison.Ordinal));
        Assert.Contains("kept 50 (the target's own value, left in place under skip-existing; not differences)", copied.Stderr, StringComparison.Ordinal);
        Assert.Equal("300", await target.ExecuteAsync("DBSIZE"));

        // a key really missing is still a difference
        await target.ExecuteAsync("DEL", "b:7");
        var after = await Dcopy.RunAsync(["verify", .. merge]);
        Assert.True(after.ExitCode == ExitCodes.DifferencesFound, after.ToString());
        Assert.Equal(1, after.Json.GetProperty("verify").GetProperty("missing").GetInt64());
        Assert.Equal(50, after.Json.GetProperty("verify").GetProperty("kept").GetInt64());
    }
}
