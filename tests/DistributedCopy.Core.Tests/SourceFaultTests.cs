using System.Text;
using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

/// <summary>Faults of the source met for real (a restarted server, a resume on the same process, a live reshard), each ending in a comparison.</summary>
public sealed class SourceFaultTests
{
    [RedisFact]
    public async Task AStandaloneSourceRestartedBetweenACrashAndTheResumeLosesNoKey()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        var report = await new StandardDataSet(0.05).LoadAsync(source.Endpoint);

        // copy until a SCAN position well inside the database is committed, then stop as a crash would
        var committed = new List<string>();
        using var crash = new CancellationTokenSource();
        await using (var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { BatchSize = 100, PipelinesPerShard = 1 }))
        {
            var copy = engine.CopyDatabaseAsync(0, ScanPosition.Start, c =>
            {
                lock (committed)
                {
                    committed.Add(c);
                    if (committed.Count == 40)
                    {
                        crash.Cancel();
                    }
                }
            }, crash.Token);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => copy);
        }
        var position = committed[^1];
        Assert.NotEqual(ScanPosition.Start, position);
        Assert.InRange(await KeyCounter.DbSizeAsync(target.Endpoint), 1, report.Total - 1);

        // the same data, another server process: the saved cursor means nothing there
        await source.RestartAsync();
        await using (var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { Resuming = true }))
        {
            await engine.CopyDatabaseAsync(0, position, null);
            Assert.Contains(engine.Progress.TakeNotes(), n => n.Contains("run_id", StringComparison.Ordinal));
        }
        var compared = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(compared.Identical, compared.ToString());
    }

    [RedisFact]
    public async Task AResumeOnTheSameServerProcessContinuesFromItsCursorWithoutANote()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await new StandardDataSet(0.01).LoadAsync(source.Endpoint);
        var committed = new List<string>();
        await using (var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { BatchSize = 100, PipelinesPerShard = 1 }))
        {
            await engine.CopyDatabaseAsync(0, ScanPosition.Start, c => { lock (committed) { committed.Add(c); } });
            Assert.Empty(engine.Progress.TakeNotes());
        }
        // every committed position but the last ("0": the end) carries the server's run_id
        var runId = Topology.ParseInfo(await source.ExecuteAsync("INFO", "server"))["run_id"];
        Assert.All(committed[..^1], c => Assert.StartsWith(runId + "/", c, StringComparison.Ordinal));
        Assert.Equal(ScanPosition.Start, committed[^1]);
    }

    [RedisFact]
    public async Task ALiveReshardOfTheSourceDuringTheCopyLosesNoKey()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.05).LoadAsync(source.Endpoint);
        var masters = await source.MastersAsync();
        var from = (await Topology.ReadAsync(masters[0].Endpoint)).Shards.First(s => s.Master.Port == masters[0].Port);
        var to = (await Topology.ReadAsync(masters[1].Endpoint)).Shards.First(s => s.Master.Port == masters[1].Port);

        // slow, so the reshard moves slots while they are listed and copied
        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { BatchSize = 50, PipelinesPerShard = 1, SlotWindow = 8 });
        var copy = engine.CopySlotsAsync([new SlotRange(0, HashSlot.Count - 1)], null);
        while (engine.Progress.KeysCopied < report.Total / 10 && !copy.IsCompleted)
        {
            await Task.Delay(20);
        }
        Assert.False(copy.IsCompleted, "the copy ended before the reshard began");
        await source.RunCliAsync(["--cluster", "reshard", $"127.0.0.1:{masters[0].Port}", "--cluster-from", from.NodeId, "--cluster-to", to.NodeId,
            "--cluster-slots", "2000", "--cluster-yes", "--cluster-pipeline", "10"]);
        await copy.WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(HashSlot.Count, engine.Progress.SlotsCompleted);
        var compared = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 5);
        Assert.True(compared.Identical, compared.ToString());
        // the reshard really happened while the copy ran
        Assert.True((await Topology.ReadAsync(masters[1].Endpoint)).Shards.First(s => s.NodeId == to.NodeId).Slots.Sum(r => r.Count) > 5461 + 1000);
    }
}
