using DistributedCopy.Core.Live;
using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

/// <summary>Writes that notify nothing and leave every key count equal: found by the sweep's key sampling and reconciled.</summary>
public sealed class LiveSyncGapTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [RedisFact]
    public async Task ASwapdbOfTwoDatabasesOfTheSameSizeIsFoundBySamplingAndReconciled()
    {
        await using var source = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = ["notify-keyspace-events EA"] });
        await using var target = await RedisServer.StartAsync();
        for (var i = 0; i < 500; i++)
        {
            await source.ExecuteAsync("SET", $"first:{i}", "one");
        }
        var other = source.Endpoint with { Database = 1, NamesDatabase = true };
        await using (var db1 = await RespConnection.ConnectAsync(other))
        {
            for (var i = 0; i < 500; i++)
            {
                await db1.ExecuteAsync("SET", $"second:{i}", "two");
            }
        }
        var synced = source.Endpoint with { Database = 0, NamesDatabase = true };
        // the comparer off: it would find the swap too (and repair it before the sampling notices, under load), but this is
        // about the sweep's sampling
        await using var sync = await LiveSync.OpenAsync(synced, target.Endpoint, new CopyOptions(), new SyncOptions { SweepEvery = TimeSpan.FromMilliseconds(300), CompareKeysPerSecond = 0 });
        var run = sync.RunAsync();
        await WaitAsync(() => sync.Stats.Live, run);
        Assert.Equal("500", await target.ExecuteAsync("DBSIZE"));

        // no notification, 500 keys on each side before and after
        await source.ExecuteAsync("SWAPDB", "0", "1");
        await WaitAsync(() => sync.Stats.Reconciles > 0, run);
        var cutover = await sync.CutoverAsync(pauseWrites: true, timeout: TimeSpan.FromSeconds(30));
        await run;

        output.WriteLine($"{sync.Stats}; {cutover}; {string.Join("; ", cutover.Checks)}");
        Assert.True(cutover.InSync, cutover + ": " + string.Join("; ", cutover.Checks));
        var comparison = await DataComparer.CompareAsync(synced, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.Equal("two", await target.ExecuteAsync("GET", "second:7"));
        Assert.Equal("0", await target.ExecuteAsync("EXISTS", "first:7"));
    }

    [RedisFact]
    public async Task AChangeFeedWhoseNodeStaysAwayLongerThanTheRetryBudgetEndsTheSyncWithTheReason()
    {
        var source = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = ["notify-keyspace-events EA"] });
        await using var target = await RedisServer.StartAsync();
        var stopped = false;
        try
        {
            for (var i = 0; i < 100; i++)
            {
                await source.ExecuteAsync("SET", $"key:{i}", $"value:{i}");
            }
            var synced = source.Endpoint with { Database = 0, NamesDatabase = true, Timeout = TimeSpan.FromSeconds(2) };
            // the sweep and the comparer far off: only the change feed notices the source is gone
            await using var sync = await LiveSync.OpenAsync(synced, target.Endpoint, new CopyOptions { RetryBudget = TimeSpan.FromSeconds(2) },
                new SyncOptions { SweepEvery = TimeSpan.FromHours(1), CompareKeysPerSecond = 0 });
            var run = sync.RunAsync();
            await WaitAsync(() => sync.Stats.Live, run);
            var before = await DataComparer.CompareAsync(synced, target.Endpoint);
            Assert.True(before.Identical, before.ToString());

            stopped = true;
            await source.DisposeAsync();

            // the feed tries on under the budget, then ends the sync with the last failure as the reason (it once tried forever)
            var ended = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60)));
            Assert.Same(run, ended);
            var failure = await Assert.ThrowsAsync<RetriesExhaustedException>(() => run);
            output.WriteLine(failure.Message);
            Assert.Contains("gave up after", failure.Message, StringComparison.Ordinal);
            // what was copied stays copied
            Assert.Equal("100", await target.ExecuteAsync("DBSIZE"));
            Assert.Equal("value:42", await target.ExecuteAsync("GET", "key:42"));
        }
        finally
        {
            if (!stopped)
            {
                await source.DisposeAsync();
            }
        }
    }

    private static Task WaitAsync(Func<bool> condition, Task run) => Eventually.HoldsAsync(condition, "the sync to get there", TimeSpan.FromSeconds(60), run);
}
