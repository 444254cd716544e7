using System.Diagnostics;
using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>
/// The cutover's pause lasts what the operator asked and not a second more: --hold as asked, --release ends it, a failed
/// or refused pause leaves the source writable at once, and a dcopy killed mid-cutover frees the source within seconds.
/// </summary>
public sealed class CutoverPauseCliTests
{
    [RedisFact]
    public async Task HoldKeepsTheSourcePausedForTheSecondsAskedOnAClusterAndReleaseEndsAHoldEarly()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisServer.StartAsync();
        await new StandardDataSet(0.002).LoadAsync(source.Endpoint);
        await using (var sync = await LiveSyncRun.StartAsync(Dcopy.Address(source), target.Endpoint.Address))
        {
            var cutover = await sync.CutoverAsync("--pause-writes", "--hold", "3", "--timeout", "60");
            var returned = Stopwatch.StartNew();
            Assert.True(cutover.ExitCode == ExitCodes.Success, cutover.ToString());
            Assert.Contains("the source's writes stay paused until", cutover.Stderr, StringComparison.Ordinal);
            Assert.True(cutover.Json.GetProperty("cutover").GetProperty("heldUntil").ValueKind == System.Text.Json.JsonValueKind.String, cutover.ToString());
            // held: a write waits; released by the server when the hold ends, within 5 s of the cutover's return
            var waited = await LiveSyncRun.TimeOneWriteAsync(source);
            Assert.True(returned.Elapsed < TimeSpan.FromSeconds(5), $"a write was held {waited.TotalSeconds:F1} s, accepted {returned.Elapsed.TotalSeconds:F1} s after the cutover returned");
            Assert.True(waited > TimeSpan.FromSeconds(1), $"the hold did not hold: a write took {waited.TotalMilliseconds:0} ms");
        }

        await using var standalone = await RedisServer.StartAsync();
        await using var other = await RedisServer.StartAsync();
        await standalone.ExecuteAsync("SET", "k", "v");
        await using (var first = await LiveSyncRun.StartAsync(standalone.Endpoint.Address, other.Endpoint.Address))
        {
            // standalone, --hold 3, and the dcopy that ran the sync killed during the hold: the server ends it on time
            var cutover = await first.CutoverAsync("--pause-writes", "--hold", "3", "--timeout", "60");
            var returned = Stopwatch.StartNew();
            Assert.True(cutover.ExitCode == ExitCodes.Success, cutover.ToString());
            if (!first.Process.HasExited)
            {
                first.Process.Kill();
            }
            var waited = await LiveSyncRun.TimeOneWriteAsync(standalone);
            Assert.True(returned.Elapsed < TimeSpan.FromSeconds(4), $"a write was accepted {returned.Elapsed.TotalSeconds:F1} s after the cutover returned (hold 3 s)");
            Assert.True(waited > TimeSpan.FromSeconds(1), $"the hold did not hold: a write took {waited.TotalMilliseconds:0} ms");
        }
        await other.ExecuteAsync("FLUSHALL");
        await using var second = await LiveSyncRun.StartAsync(standalone.Endpoint.Address, other.Endpoint.Address);
        var held = await second.CutoverAsync("--pause-writes", "--hold", "60", "--timeout", "60");
        Assert.True(held.ExitCode == ExitCodes.Success, held.ToString());
        // the sync's own dcopy ends with the cutover that passed (the hold goes on in the server): release from another terminal
        var (ended, _) = await second.EndedAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ExitCodes.Success, ended);
        var release = await Dcopy.RunAsync("cutover", second.Job, "--state-dir", second.State, "--release");
        if (release.ExitCode != ExitCodes.Success)
        {
            // what the sync's own dcopy (the state directory's holder the release attached to) was doing meanwhile
            var alive = !second.Process.HasExited;
            second.Process.Kill();
            var (_, holder) = await second.EndedAsync(TimeSpan.FromSeconds(10));
            Assert.Fail($"{release}; the sync's dcopy was {(alive ? "still running" : "gone")}, its stderr: {holder}");
        }
        Assert.Contains("writes released on 1 of 1 source master(s)", release.Stderr, StringComparison.Ordinal);
        Assert.True(await LiveSyncRun.TimeOneWriteAsync(standalone) < TimeSpan.FromSeconds(1));
        Assert.Equal("v", await other.ExecuteAsync("GET", "k"));
    }

    [RedisFact]
    public async Task ADcopyKilledWhileItsCutoverHoldsThePauseLeavesTheSourceWritableWithinSeconds()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await using var proxy = FaultProxy.Start(target.Port);
        await source.ExecuteAsync("SET", "k", "v");
        await using var sync = await LiveSyncRun.StartAsync(source.Endpoint.Address, $"127.0.0.1:{proxy.Port}", "--compare-rate", "0");

        // the target stalls: changes cannot be applied, so the cutover waits on its drain with the source paused
        proxy.Mode = FaultMode.Stall;
        for (var i = 0; i < 10; i++)
        {
            await source.ExecuteAsync("SET", $"changed:{i}", "x");
        }
        using var cutover = Dcopy.Start("cutover", sync.Job, "--state-dir", sync.State, "--pause-writes", "--timeout", "60");
        var blocked = await PausedAsync(source, TimeSpan.FromSeconds(30));

        sync.Process.Kill();
        var killed = Stopwatch.StartNew();
        await blocked.WaitAsync(TimeSpan.FromSeconds(10));
        // the pause is a 2 s lease the dead dcopy no longer renews
        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(3.5), $"writes resumed {killed.Elapsed.TotalSeconds:F1} s after dcopy was killed");
        await cutover.WaitForExitAsync();
        Assert.NotEqual(ExitCodes.Success, cutover.ExitCode);

        // started again, it resumes and cuts over in sync
        proxy.Mode = FaultMode.Forward;
        await using var again = await LiveSyncRun.StartAsync(source.Endpoint.Address, $"127.0.0.1:{proxy.Port}", ["--compare-rate", "0"], sync.State);
        var passed = await again.CutoverAsync("--pause-writes", "--timeout", "60");
        Assert.True(passed.ExitCode == ExitCodes.Success, passed.ToString());
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    /// <summary>Waits until the source holds writes (a cutover paused it); returns a write that is waiting.</summary>
    private static async Task<Task<TimeSpan>> PausedAsync(RedisServer source, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var attempt = LiveSyncRun.TimeOneWriteAsync(source);
            if (await Task.WhenAny(attempt, Task.Delay(500)) != attempt)
            {
                return attempt;
            }
            Assert.True(DateTime.UtcNow < deadline, "the source was never paused");
            await Task.Delay(100);
        }
    }
}
