using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>
/// The cutover's verdict rests on evidence: a cache with expiring keys cuts over in sync (never a false "behind"), and a
/// change feed that has gone silent fails it (never a false "in sync") until the feed is proven again and its slots are
/// reconciled. Each ends in an independent compare of source and target.
/// </summary>
public sealed class CutoverVerdictCliTests
{
    [RedisFact]
    public async Task ACacheWithExpiringKeysPassesEveryDryRunWithoutPauseAndCutsOverInSyncWithPause()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        await using var writer = await SourceWriter.StartAsync(source.Endpoint, expiring: true);
        await using var sync = await LiveSyncRun.StartAsync(Dcopy.Address(source), Dcopy.Address(target));
        // keys given 5–60 s, sessions living 0.2–3 s: some expire while the sync follows
        await Task.Delay(4000);
        await writer.StopAsync();

        // writes stopped, keys still expiring: each check without pausing passes (and ends nothing)
        for (var run = 0; run < 3; run++)
        {
            var dry = await sync.CutoverAsync("--dry-run", "--timeout", "60");
            Assert.True(dry.ExitCode == ExitCodes.Success, dry.ToString());
            Assert.Contains("dry run: a cutover now would pass", dry.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("FAILED", dry.Stderr, StringComparison.Ordinal);
            Assert.True(dry.Json.GetProperty("cutover").GetProperty("passed").GetBoolean(), dry.ToString());
            await Task.Delay(700);
        }
        Assert.False(sync.Process.HasExited);

        var cutover = await sync.CutoverAsync("--pause-writes", "--timeout", "60");
        Assert.True(cutover.ExitCode == ExitCodes.Success, cutover.ToString());
        Assert.Contains("target in sync at", cutover.Stderr, StringComparison.Ordinal);
        foreach (var check in new[] { "feeds", "barrier", "drained", "evidence", "counts", "pause" })
        {
            // one line per check (per partition: "[slots a-b]"), each passed
            Assert.Matches($@"\n  ok +(\[[^\]]+\] )?{check}: ", cutover.Stderr);
        }
        var (exit, _) = await sync.EndedAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ExitCodes.Success, exit);
        // released at once (no --hold): the application writes again
        Assert.True(await LiveSyncRun.TimeOneWriteAsync(source) < TimeSpan.FromSeconds(1));

        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, ttlToleranceMs: 2000, typedSamplePerType: 100);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    [RedisFact]
    public async Task NotificationsSwitchedOffMakeTheFeedUnprovenAndFailTheCutoverUntilTheyAreBackAndItsKeysReconciled()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        for (var i = 0; i < 100; i++)
        {
            await source.ExecuteAsync("SET", $"user:{i}", "old");
        }
        // no comparer: only the feed's proof and the reconcile it brings can put the overwrites right
        await using var sync = await LiveSyncRun.StartAsync(source.Endpoint.Address, target.Endpoint.Address, "--compare-rate", "0");

        await source.ExecuteAsync("CONFIG", "SET", "notify-keyspace-events", "");
        for (var i = 0; i < 100; i++)
        {
            await source.ExecuteAsync("SET", $"user:{i}", "new");
        }
        var unproven = await sync.WaitForAsync(s => s.Stderr.Contains("lag unknown", StringComparison.Ordinal), "an unproven feed", TimeSpan.FromSeconds(10));
        Assert.Matches("notify-keyspace-events on it lacks \"[^\"]+\"|keyspace notifications are off or lost", unproven.Stderr);
        Assert.False(string.IsNullOrEmpty(unproven.Json.GetProperty("sync").GetProperty("unproven").GetString()), unproven.ToString());

        var failed = await sync.CutoverAsync("--pause-writes", "--timeout", "30");
        Assert.True(failed.ExitCode == ExitCodes.Behind, failed.ToString());
        Assert.Contains("target NOT in sync", failed.Stderr, StringComparison.Ordinal);
        Assert.Contains($"FAILED  feeds: {source.Endpoint.Address} unproven", failed.Stderr, StringComparison.Ordinal);
        // a failed cutover releases the source at once, and the sync goes on
        Assert.True(await LiveSyncRun.TimeOneWriteAsync(source) < TimeSpan.FromSeconds(1));
        Assert.False(sync.Process.HasExited);
        // the feed's slots had no evidence: compared at the cutover, which found the overwrites (and had them applied)
        Assert.True(failed.Stderr.Contains("100 difference(s) found and applied again", StringComparison.Ordinal), failed.ToString());

        await source.ExecuteAsync("CONFIG", "SET", "notify-keyspace-events", "EA");
        await sync.WaitForAsync(s => s.Stderr.Contains("(feeds proven)", StringComparison.Ordinal), "the feed proven again", TimeSpan.FromSeconds(15));
        var passed = await sync.CutoverAsync("--pause-writes", "--timeout", "60");
        Assert.True(passed.ExitCode == ExitCodes.Success, passed.ToString());
        await sync.EndedAsync(TimeSpan.FromSeconds(30));

        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.Equal("new", await target.ExecuteAsync("GET", "user:7"));
    }

    [RedisFact]
    public async Task AValueChangedDeletedOrAddedOnTheTargetBehindTheSyncsBackIsRepairedByTheComparer()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await new StandardDataSet(0.002).LoadAsync(source.Endpoint);
        string[] keys = ["repair:a", "repair:b"];
        await source.ExecuteAsync("SET", keys[0], "the source's value");
        await source.ExecuteAsync("HSET", keys[1], "f", "v");
        await using var sync = await LiveSyncRun.StartAsync(source.Endpoint.Address, target.Endpoint.Address, "--compare-rate", "5000");

        // the application (or an operator) writes to the target directly: no notification tells the sync
        await target.ExecuteAsync("SET", keys[0], "changed behind the sync's back");
        await target.ExecuteAsync("DEL", keys[1]);
        await target.ExecuteAsync("SET", "only-on-the-target", "stray");

        await sync.WaitForAsync(s => s.Json.GetProperty("sync").GetProperty("repaired").GetInt64() >= 3, "the comparer's repairs", TimeSpan.FromSeconds(30));
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.Equal("0", await target.ExecuteAsync("EXISTS", "only-on-the-target"));
    }

    [RedisFact]
    public async Task APauseDeniedAndASubscriptionDeniedByAclFailTheCutoverNamingThemUntilTheUserMayAgain()
    {
        await using var source = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = ["user dcopy on >dcopy-pass ~* &* +@all"] });
        await using var target = await RedisServer.StartAsync();
        for (var i = 0; i < 50; i++)
        {
            await source.ExecuteAsync("SET", $"k:{i}", "v");
        }
        var asUser = $"redis://dcopy:dcopy-pass@{source.Endpoint.Address}";
        await using var sync = await LiveSyncRun.StartAsync(asUser, target.Endpoint.Address);

        await source.ExecuteAsync("ACL", "SETUSER", "dcopy", "-client|pause");
        var refused = await sync.CutoverAsync("--pause-writes", "--timeout", "30");
        Assert.True(refused.ExitCode == ExitCodes.Behind, refused.ToString());
        Assert.Contains($"FAILED  pause: CLIENT PAUSE refused on {source.Endpoint.Address}", refused.Stderr, StringComparison.Ordinal);
        Assert.True(await LiveSyncRun.TimeOneWriteAsync(source) < TimeSpan.FromSeconds(1));
        Assert.False(sync.Process.HasExited);

        // the user may no longer subscribe, and its subscription is cut: the feed cannot be made again
        await source.ExecuteAsync("ACL", "SETUSER", "dcopy", "+client|pause", "-psubscribe");
        await source.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
        await source.ExecuteAsync("SET", "k:1", "changed while nobody listened");
        var unproven = await sync.WaitForAsync(s => s.Stderr.Contains("lag unknown", StringComparison.Ordinal), "an unproven feed", TimeSpan.FromSeconds(15));
        var failed = await sync.CutoverAsync("--pause-writes", "--timeout", "30");
        Assert.True(failed.ExitCode == ExitCodes.Behind, failed.ToString());
        Assert.True(failed.Stderr.Contains("FAILED  feeds:", StringComparison.Ordinal), failed.ToString());
        Assert.Contains("NOPERM", unproven.Stderr + failed.Stderr, StringComparison.Ordinal);

        await source.ExecuteAsync("ACL", "SETUSER", "dcopy", "+psubscribe");
        await source.ExecuteAsync("SET", "k:2", "changed once it may subscribe again");
        await sync.WaitForAsync(s => s.Stderr.Contains("(feeds proven)", StringComparison.Ordinal), "the feed proven again", TimeSpan.FromSeconds(20));
        var passed = await sync.CutoverAsync("--pause-writes", "--timeout", "60");
        Assert.True(passed.ExitCode == ExitCodes.Success, passed.ToString());
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
    }
}
