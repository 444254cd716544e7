using System.Text;
using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

/// <summary>Faults of the source met for real (a restarted server, a resume on the same process, a live reshard), each ending in a comparison.</summary>
public sealed class SourceFaultTests
{
    [RedisFact]
    public async Task ADatabaseWhoseScanEndWasCommittedIsNotCopiedAgainFromThatPosition()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await new StandardDataSet(0.002).LoadAsync(source.Endpoint);
        var committed = new List<string>();
        await using (var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { BatchSize = 100 }))
        {
            await engine.CopyDatabaseAsync(0, ScanPosition.Start, c => { lock (committed) { committed.Add(c); } });
        }
        Assert.Equal(ScanPosition.End, committed[^1]);
        await target.ExecuteAsync("FLUSHALL");

        // resumed at the last position committed: nothing is listed, read or written again
        await using (var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { BatchSize = 100 }))
        {
            var (scans, dumps) = (await source.CallsAsync("scan"), await source.CallsAsync("dump"));
            await engine.CopyDatabaseAsync(0, committed[^1], cursorCommitted: null);
            Assert.Equal(0, engine.Progress.KeysCopied);
            Assert.Equal((scans, dumps), (await source.CallsAsync("scan"), await source.CallsAsync("dump")));
        }
        Assert.Equal(0, await KeyCounter.DbSizeAsync(target.Endpoint));
    }

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
            await engine.CopyDatabaseAsync(0, position, cursorCommitted: null);
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
        // every committed position but the last (the end) carries the server's run_id
        var runId = Topology.ParseInfo(await source.ExecuteAsync("INFO", "server"))["run_id"];
        Assert.All(committed[..^1], c => Assert.StartsWith(runId + "/", c, StringComparison.Ordinal));
        Assert.Equal(ScanPosition.End, committed[^1]);
    }

    [RedisFact]
    public async Task ACopyStoppedAtACommittedCursorResumesOnTheSameServerWritingOnlyWhatWasNotCommitted()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        var report = await new StandardDataSet(0.01).LoadAsync(source.Endpoint);
        var options = new CopyOptions { BatchSize = 100, PipelinesPerShard = 1, ScanCount = 200 };
        // the copy stops (as a killed process would) right after its fifth committed position
        string? committed = null;
        using var stop = new CancellationTokenSource();
        await using (var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, options))
        {
            var commits = 0;
            var copy = engine.CopyDatabaseAsync(0, ScanPosition.Start, c =>
            {
                committed = c;
                if (++commits == 5)
                {
                    stop.Cancel();
                }
            }, stop.Token);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => copy);
        }
        Assert.NotNull(committed);
        Assert.NotEqual(ScanPosition.Start, committed);
        var onTarget = long.Parse(await target.ExecuteAsync("DBSIZE"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(onTarget, 1, report.Total - 1);
        var restoresAtStop = await target.SucceededCallsAsync("restore");

        // resumed from that position on the same server process: no note (the cursor is still valid), every key there,
        // and no more written than the keys the stop left to do plus what was in flight past the committed position (the
        // SCAN pages after it: COUNT 200, a page may hold a few more)
        await using (var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, options))
        {
            await engine.CopyDatabaseAsync(0, committed!, cursorCommitted: null);
            Assert.Empty(engine.Progress.TakeNotes());
        }
        var restored = await target.SucceededCallsAsync("restore") - restoresAtStop;
        Assert.True(restored >= report.Total - onTarget && restored <= report.Total - onTarget + 3 * options.ScanCount,
            $"{restored:N0} RESTOREs on resume; {report.Total:N0} keys, {onTarget:N0} on the target at the stop");
        var compared = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(compared.Identical, compared.ToString());
    }

    [RedisFact]
    public async Task ALiveReshardOfTheSourceDuringTheCopyLosesNoKey()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.05).LoadAsync(source.Endpoint);
        var masters = await source.MastersAsync();
        var topology = await Topology.ReadAsync(source.Endpoint);
        var fromShard = topology.Shards.First(s => s.Master.Port == masters[0].Port);
        var from = masters[0];
        var to = masters.First(m => m.Port != from.Port);
        var (fromId, toId) = (await from.ExecuteAsync("CLUSTER", "MYID"), await to.ExecuteAsync("CLUSTER", "MYID"));
        // the reshard moves the last 100 slots of the first master, one by one; the last of them is half moved before the
        // copy starts, so the copy is certain to meet a slot in the middle of its migration
        var moving = Enumerable.Range(fromShard.Slots.Max(r => r.End) - 99, 100).ToList();
        Assert.All(moving, slot => Assert.Equal(fromShard.Master.Port, topology.Shards[topology.ShardFor(slot)].Master.Port));
        var first = moving[^1];
        // 20 keys of its own in that slot, so that half of them can have moved
        var tag = Enumerable.Range(0, 1_000_000).Select(n => $"r{n}").First(t => HashSlot.Of(Encoding.ASCII.GetBytes(t)) == first);
        for (var n = 0; n < 20; n++)
        {
            await from.ExecuteAsync("SET", $"{{{tag}}}:{n}", $"moving-{n}");
        }
        var firstKeys = await KeysInSlotAsync(from, first);
        await StartMigrationAsync(from, to, fromId, toId, first);
        await MigrateKeysAsync(from, to, firstKeys.Take(firstKeys.Count / 2).ToList());

        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { BatchSize = 50, PipelinesPerShard = 1, SlotWindow = 8 });
        var copy = engine.CopySlotsAsync([new SlotRange(0, HashSlot.Count - 1)], slotCompleted: null);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(engine.Progress.LastError ?? "").Contains($"source slot {first} moved or is migrating", StringComparison.Ordinal))
        {
            Assert.False(copy.IsCompleted, "the copy ended with a slot half migrated: " + engine.Progress.LastError);
            Assert.True(DateTime.UtcNow < deadline, "the half-migrated slot was never met: " + engine.Progress.LastError);
            await Task.Delay(20);
        }
        // met: the migration of that slot ends and the other 99 move while the copy runs
        Assert.False(copy.IsCompleted);
        await MigrateKeysAsync(from, to, await KeysInSlotAsync(from, first));
        await EndMigrationAsync(masters, toId, first);
        foreach (var slot in moving[..^1])
        {
            await StartMigrationAsync(from, to, fromId, toId, slot);
            await MigrateKeysAsync(from, to, await KeysInSlotAsync(from, slot));
            await EndMigrationAsync(masters, toId, slot);
        }
        await copy.WaitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(HashSlot.Count, engine.Progress.SlotsCompleted);
        var compared = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 5);
        Assert.True(compared.Identical, compared.ToString());
        Assert.Equal(report.Total + 20, compared.SourceKeys);
        // the slots are the second master's now
        var after = await Topology.ReadAsync(source.Endpoint);
        Assert.All(moving, slot => Assert.Equal(to.Port, after.Shards[after.ShardFor(slot)].Master.Port));
    }

    private static string Text(int slot) => slot.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<List<string>> KeysInSlotAsync(RedisServer node, int slot)
    {
        await using var connection = await node.ConnectAsync();
        var reply = Resp.RespFrame.Array(await connection.ExecuteAsync("CLUSTER", "GETKEYSINSLOT", Text(slot), "100000"));
        var keys = new List<string>();
        while (reply.MoveNext(out var key))
        {
            keys.Add(Resp.RespFrame.String(key));
        }
        return keys;
    }

    private static async Task StartMigrationAsync(RedisServer from, RedisServer to, string fromId, string toId, int slot)
    {
        await to.ExecuteAsync("CLUSTER", "SETSLOT", Text(slot), "IMPORTING", fromId);
        await from.ExecuteAsync("CLUSTER", "SETSLOT", Text(slot), "MIGRATING", toId);
    }

    private static async Task MigrateKeysAsync(RedisServer from, RedisServer to, List<string> keys)
    {
        if (keys.Count > 0)
        {
            await from.ExecuteAsync(["MIGRATE", "127.0.0.1", to.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "", "0", "5000", "KEYS", .. keys]);
        }
    }

    private static async Task EndMigrationAsync(IReadOnlyList<RedisServer> masters, string toId, int slot)
    {
        foreach (var master in masters)
        {
            await master.ExecuteAsync("CLUSTER", "SETSLOT", Text(slot), "NODE", toId);
        }
    }
}
