using DistributedCopy.Testing;
using static DistributedCopy.Cli.Tests.StreamSync;

namespace DistributedCopy.Cli.Tests;

/// <summary>`dcopy sync --capture replication` through a source failover and a stop longer than the master's backlog.</summary>
public sealed class ReplicationSyncFaultCliTests
{
    [RedisFact]
    public async Task AMasterFailoverMidSyncIsFollowedOnTheReplicaThatTookOver()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        await using var writer = await SourceWriter.StartAsync(source.Endpoint);
        var state = Dcopy.StateDir();
        using var sync = Dcopy.Start(SyncArgs(Dcopy.Address(source), Dcopy.Address(target), state, progress: "log"));
        _ = sync.StandardError.ReadToEndAsync();
        try
        {
            await WaitForLiveAsync(state, sync);
            var promoted = await ReplicaAsync(source);
            var before = await StatsAsync(promoted);
            await RedisCluster.FailOverAsync(promoted);
            // writes go on to the new master; the sync finds it (the topology read every 2 s)
            await Task.Delay(5000);
            writer.StopShortLived();
            await Task.Delay(1500);
            var status = await Dcopy.RunAsync("status", "stream", "--state-dir", state, "--json");
            Assert.Contains(status.Json.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains($"{promoted.Endpoint.Address}, which carries its replication history, is followed from offset", StringComparison.Ordinal));

            var cutover = await CutOverAsync(state, sync);
            Assert.Contains($"stream: the target applied the stream up to offset", cutover.Stderr, StringComparison.Ordinal);
            Assert.Contains(promoted.Endpoint.Address, cutover.Stderr, StringComparison.Ordinal);
            // the promoted replica continued the stream it had inherited: no snapshot of its own
            var after = await StatsAsync(promoted);
            Assert.Equal(before.Full, after.Full);
            await AssertIdenticalAsync(source.Endpoint, target.Endpoint);
        }
        finally
        {
            await EndAsync(source, sync);
        }
        await writer.StopAsync();
    }

    [RedisFact]
    public async Task ASyncStoppedLongerThanTheBacklogTakesTheSnapshotAgainSaysWhyAndEndsIdentical()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        // the smallest backlog a master keeps: 16 KB
        await source.ExecuteAsync("CONFIG", "SET", "repl-backlog-size", "16384");
        await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        var state = Dcopy.StateDir();
        var sync = SyncArgs(source.Endpoint.Address, target.Endpoint.Address, state, progress: "log");
        using (var first = Dcopy.Start(sync))
        {
            await WaitForLiveAsync(state, first);
            await source.ExecuteAsync("SET", "kept", "1");
            await source.ExecuteAsync("SET", "deleted-while-stopped", "1");
            await Task.Delay(2000);
            first.Kill();
            await first.WaitForExitAsync();
        }
        var before = await StatsAsync(source);
        // more than the backlog written while no dcopy follows, and a key deleted that the target holds
        await source.ExecuteAsync("DEL", "deleted-while-stopped");
        for (var i = 0; i < 100; i++)
        {
            await source.ExecuteAsync("SET", $"while-stopped:{i}", new string('x', 500));
        }
        using var second = Dcopy.Start(sync);
        var stderr = second.StandardError.ReadToEndAsync();
        try
        {
            await WaitForLiveAsync(state, second);
            var status = await Dcopy.RunAsync("status", "stream", "--state-dir", state, "--json");
            var notes = string.Join("\n", status.Json.GetProperty("notes").EnumerateArray().Select(n => n.GetString()));
            Assert.Contains("could not continue the stream from offset", notes, StringComparison.Ordinal);
            Assert.Contains("its repl-backlog-size is 16,384: a backlog of at least", notes, StringComparison.Ordinal);
            var cutover = await Dcopy.RunAsync("cutover", "stream", "--pause-writes", "--timeout", "60", "--state-dir", state, "--json");
            Assert.True(cutover.ExitCode == ExitCodes.Success, cutover.ToString());
            await second.WaitForExitAsync();
            Assert.Equal(ExitCodes.Success, second.ExitCode);
            var after = await StatsAsync(source);
            Assert.Equal(before.Full + 1, after.Full);
            var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
            Assert.True(comparison.Identical, comparison.ToString());
            Assert.Equal("0", await target.ExecuteAsync("EXISTS", "deleted-while-stopped"));
        }
        finally
        {
            await source.ExecuteAsync("CLIENT", "UNPAUSE");
            if (!second.HasExited)
            {
                second.Kill();
            }
        }
    }
}
