using DistributedCopy.Testing;
using static DistributedCopy.Cli.Tests.StreamSync;

namespace DistributedCopy.Cli.Tests;

/// <summary>`dcopy sync --capture replication` while the source cluster reshards: a master added, slots moved between followed masters, a master removed.</summary>
public sealed class ReplicationSyncReshardCliTests
{
    [RedisFact]
    public async Task AMasterAddedToTheSourceMidSyncGetsALinkOfItsOwn()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        await using var writer = await SourceWriter.StartAsync(source.Endpoint);
        var state = Dcopy.StateDir();
        using var sync = Dcopy.Start(SyncArgs(Dcopy.Address(source), Dcopy.Address(target), state));
        _ = sync.StandardError.ReadToEndAsync();
        try
        {
            await WaitForLiveAsync(state, sync);
            // a fourth master, and 1,000 slots moved to it with their keys while the application writes
            var added = await source.AddMasterAsync(slots: 1000);
            DcopyResult? last = null;
            await Eventually.HoldsAsync(async () =>
            {
                last = await Dcopy.RunAsync("status", "stream", "--state-dir", state, "--json");
                return last.ExitCode == ExitCodes.Success && last.Json.GetProperty("partitionsTotal").GetInt32() == 4 && last.Stderr.Contains("sync stream: live", StringComparison.Ordinal);
            }, "a fourth partition, live", TimeSpan.FromSeconds(90), every: TimeSpan.FromMilliseconds(500)).ContinueWith(t => Assert.True(t.IsCompletedSuccessfully, $"{t.Exception?.InnerException?.Message}: {last}"), TaskScheduler.Default);
            writer.StopShortLived();
            await Task.Delay(2000);

            var cutover = await CutOverAsync(state, sync);
            Assert.Contains("ok      masters: the source has 4 master(s)", cutover.Stderr, StringComparison.Ordinal);
            Assert.Contains($"[{added.Endpoint.Address}] stream: the target applied", cutover.Stderr, StringComparison.Ordinal);
            await AssertIdenticalAsync(source.Endpoint, target.Endpoint);
        }
        finally
        {
            await EndAsync(source, sync);
        }
        await writer.StopAsync();
    }

    [RedisFact]
    public async Task SlotsMovedBetweenFollowedMastersAndAMasterRemovedLoseNoKey()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        await using var writer = await SourceWriter.StartAsync(source.Endpoint);
        var state = Dcopy.StateDir();
        var masters = await source.MastersAsync();
        // two seeds: the first is the master removed below
        var seeds = $"{masters[0].Endpoint.Address},{masters[2].Endpoint.Address}";
        using var sync = Dcopy.Start(SyncArgs(seeds, Dcopy.Address(target), state));
        _ = sync.StandardError.ReadToEndAsync();
        try
        {
            await WaitForLiveAsync(state, sync);
            // each migrated key is in two streams: its MIGRATE's DEL in the giver's, its RESTORE in the taker's
            await source.MoveSlotsAsync(masters[1], masters[2], 1500);
            // the first seed gives all its slots to masters[1] and leaves the cluster (it answers alone, serving no slot)
            var removed = masters[0];
            await source.RemoveMasterAsync(removed, masters[1]);
            await Task.Delay(3000);
            writer.StopShortLived();
            await Task.Delay(2000);
            var status = await Dcopy.RunAsync("status", "stream", "--state-dir", state, "--json");
            Assert.Contains(status.Json.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains($"slot(s) moved from {removed.Endpoint.Address} to other masters: handed over", StringComparison.Ordinal));

            var cutover = await CutOverAsync(state, sync);
            Assert.Contains("ok      masters: the source has 2 master(s)", cutover.Stderr, StringComparison.Ordinal);
            await AssertIdenticalAsync(source.Endpoint, target.Endpoint);
        }
        finally
        {
            await EndAsync(source, sync);
        }
        await writer.StopAsync();
    }

    [RedisFact]
    public async Task ASyncKilledWhileSlotsMoveBetweenFollowedMastersResumesAndLosesNoKey()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        await using var writer = await SourceWriter.StartAsync(source.Endpoint);
        var state = Dcopy.StateDir();
        var args = SyncArgs(Dcopy.Address(source), Dcopy.Address(target), state);
        var masters = await source.MastersAsync();
        using (var first = Dcopy.Start(args))
        {
            _ = first.StandardError.ReadToEndAsync();
            await WaitForLiveAsync(state, first);
            // killed while the keys of 3,000 slots move: some slots handed over, some held, some not yet moved
            var moving = source.MoveSlotsAsync(masters[2], masters[1], 3000);
            await Task.Delay(1500);
            first.Kill();
            await first.WaitForExitAsync();
            await moving;
        }
        using var second = Dcopy.Start(args);
        _ = second.StandardError.ReadToEndAsync();
        try
        {
            await WaitForLiveAsync(state, second);
            // and back the other way while the resumed sync follows
            await source.MoveSlotsAsync(masters[1], masters[2], 1000);
            await Task.Delay(3000);
            writer.StopShortLived();
            await Task.Delay(2000);
            await CutOverAsync(state, second);
            await AssertIdenticalAsync(source.Endpoint, target.Endpoint);
        }
        finally
        {
            await EndAsync(source, second);
        }
        await writer.StopAsync();
    }
}
