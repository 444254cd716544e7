using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

/// <summary>Keys written by type, where RESTORE is not wanted or not allowed, compared with the source value by value.</summary>
public sealed class TypedCopyTests
{
    private static readonly StandardDataSet _data = new(0.01) { BinaryKeys = 200 };

    [RedisFact]
    public async Task TheStandardSetCopiedByTypeIsTheSourceValueByValueTtlsIncluded()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 2);
        var report = await _data.LoadAsync(source.Endpoint);

        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { Mode = CopyMode.Typed });
        await engine.CopyAllAsync();

        Assert.Equal(report.Total, engine.Progress.KeysCopied);
        Assert.Equal(report.Total, engine.Progress.KeysTyped);
        Assert.Equal(report.ByType, await KeyCounter.CountByTypeAsync(target.Endpoint));
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 200);
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.True(comparison.TypedCompared >= 6 * 50, comparison.ToString());
    }

    [RedisFact]
    public async Task ATargetUserWithoutRestoreGetsEveryKeyByTypeInAutoMode()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = ["user copier on >Pw-Copier ~* &* +@all -restore"] });
        var report = await _data.LoadAsync(source.Endpoint);
        var asCopier = target.Endpoint with { User = "copier", Password = "Pw-Copier" };

        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, asCopier, new CopyOptions());
        await engine.CopyAllAsync();

        Assert.Equal(report.Total, engine.Progress.KeysCopied);
        Assert.Equal(report.Total, engine.Progress.KeysTyped);
        Assert.Contains(engine.Progress.TakeNotes(), n => n.Contains("does not RESTORE", StringComparison.Ordinal) && n.Contains("NOPERM", StringComparison.Ordinal));
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 200);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    [RedisFact]
    public async Task TargetResetsDuringATypedCopyLeaveAnIdenticalCopy()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await using var proxy = FaultProxy.Start(target.Port);
        var report = await _data.LoadAsync(source.Endpoint);
        var through = target.Endpoint.WithAddress("127.0.0.1", proxy.Port);

        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, through, new CopyOptions { Mode = CopyMode.Typed, BatchSize = 100, PipelinesPerShard = 2 });
        var copy = engine.CopyAllAsync();
        var resets = 0;
        foreach (var share in new[] { 5, 3, 2 })
        {
            while (engine.Progress.KeysTyped < report.Total / share && !copy.IsCompleted)
            {
                await Task.Delay(5);
            }
            if (!copy.IsCompleted)
            {
                // every open connection to the target is cut, MULTI blocks half queued included
                proxy.ResetAll();
                resets++;
            }
        }
        await copy.WaitAsync(TimeSpan.FromSeconds(120));

        Assert.True(resets > 0, "the copy ended before any reset");
        Assert.True(engine.Progress.Errors >= 1, engine.Progress.ToString());
        Assert.Equal(report.Total, await KeyCounter.DbSizeAsync(target.Endpoint));
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 200);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    [RedisFact]
    public async Task PoliciesMeanTheSameByTypeAsByRestore()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await source.ExecuteAsync("RPUSH", "list", "a", "b");
        await source.ExecuteAsync("SET", "fresh", "1");
        await target.ExecuteAsync("SET", "list", "target's own");

        await using (var skip = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { Mode = CopyMode.Typed, Policy = OverwritePolicy.SkipExisting }))
        {
            await skip.CopyAllAsync();
            Assert.Equal((1, 1), (skip.Progress.KeysCopied, skip.Progress.KeysSkipped));
        }
        Assert.Equal("target's own", await target.ExecuteAsync("GET", "list"));
        Assert.Equal("1", await target.ExecuteAsync("GET", "fresh"));

        await using (var fail = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { Mode = CopyMode.Typed, Policy = OverwritePolicy.FailOnExisting }))
        {
            var error = await Assert.ThrowsAsync<TargetKeyExistsException>(() => fail.CopyAllAsync());
            Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
        }

        await using (var replace = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { Mode = CopyMode.Typed }))
        {
            await replace.CopyAllAsync();
        }
        Assert.True((await DataComparer.CompareAsync(source.Endpoint, target.Endpoint)).Identical);
    }

    [RedisFact]
    public async Task AStreamKeepsItsIdsCountersGroupsConsumersAndPendingEntries()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        for (var i = 1; i <= 5; i++)
        {
            await source.ExecuteAsync("XADD", "events", $"1700000000000-{i}", "n", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        await source.ExecuteAsync("XDEL", "events", "1700000000000-5");
        await source.ExecuteAsync("XGROUP", "CREATE", "events", "readers", "1700000000000-2");
        await source.ExecuteAsync("XREADGROUP", "GROUP", "readers", "alice", "COUNT", "1", "STREAMS", "events", ">");
        await source.ExecuteAsync("XADD", "empty", "1-1", "x", "y");
        await source.ExecuteAsync("XDEL", "empty", "1-1");
        await source.ExecuteAsync("PEXPIRE", "events", "600000");

        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions { Mode = CopyMode.Typed });
        await engine.CopyAllAsync();

        Assert.Equal(2, engine.Progress.KeysTyped);
        foreach (var key in new[] { "events", "empty" })
        {
            Assert.Equal(await FieldsAsync(source, "XINFO", "STREAM", key), await FieldsAsync(target, "XINFO", "STREAM", key));
            Assert.Equal(await RawAsync(source, "XRANGE", key, "-", "+"), await RawAsync(target, "XRANGE", key, "-", "+"));
        }
        var sourceGroup = await FieldsAsync(source, "XINFO", "GROUPS", "events");
        var group = await FieldsAsync(target, "XINFO", "GROUPS", "events");
        Assert.Equal("1700000000000-3", group["last-delivered-id"]); // alice read -3 on the source
        Assert.Equal((sourceGroup["name"], sourceGroup["last-delivered-id"], sourceGroup["entries-read"]), (group["name"], group["last-delivered-id"], group["entries-read"]));
        Assert.InRange(long.Parse(await target.ExecuteAsync("PTTL", "events"), System.Globalization.CultureInfo.InvariantCulture), 590_000, 600_000);
        // the pending entry alice holds, with its delivery count and time, and alice herself
        Assert.Equal(await PendingAsync(source), await PendingAsync(target));
        Assert.Empty(engine.Progress.TakeNotes());
    }

    /// <summary>XPENDING's detail of the group: id, consumer, deliveries (the idle time moves on by itself).</summary>
    private static async Task<string> PendingAsync(RedisServer server)
    {
        var reply = await RawAsync(server, "XPENDING", "events", "readers", "-", "+", "10");
        var entries = new List<string>();
        var list = RespFrame.Array(reply);
        while (list.MoveNext(out var entry))
        {
            var parts = RespFrame.Array(entry);
            var id = RespFrame.String(parts.Next());
            var consumer = RespFrame.String(parts.Next());
            parts.Next();
            entries.Add($"{id}/{consumer}/{RespFrame.Integer(parts.Next())}");
        }
        return string.Join(",", entries);
    }

    private static async Task<byte[]> RawAsync(RedisServer server, params string[] command)
    {
        await using var connection = await server.ConnectAsync();
        return await connection.ExecuteAsync(command);
    }

    /// <summary>The scalar fields of a flat field/value reply (of the first element, for XINFO GROUPS); nested ones (the entries) as raw text.</summary>
    private static async Task<Dictionary<string, string>> FieldsAsync(RedisServer server, params string[] command)
    {
        var reply = await RawAsync(server, command);
        var frame = command[1] == "GROUPS" ? FirstElement(reply) : reply;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var pairs = RespFrame.Array(frame);
        while (pairs.MoveNext(out var name) && pairs.MoveNext(out var value))
        {
            fields[RespFrame.String(name)] = value[0] == (byte)':' ? RespFrame.Integer(value).ToString(System.Globalization.CultureInfo.InvariantCulture)
                : RespFrame.IsNull(value) ? "(nil)" : value[0] is (byte)'$' or (byte)'+' ? RespFrame.String(value) : Convert.ToBase64String(value);
        }
        // the radix tree's shape is the writer's, not the data's
        fields.Remove("radix-tree-keys");
        fields.Remove("radix-tree-nodes");
        return fields;
    }

    private static byte[] FirstElement(byte[] reply)
    {
        var elements = RespFrame.Array(reply);
        return elements.Next().ToArray();
    }
}
