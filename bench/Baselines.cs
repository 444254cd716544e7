using System.Diagnostics;
using System.Globalization;
using DistributedCopy.Core.Resp;
using DistributedCopy.Testing;

namespace DistributedCopy.Bench;

/// <summary>The copiers the benchmark compares with, measured in the same run.</summary>
internal static class Baselines
{
    /// <summary>One key at a time: DUMP, PTTL, RESTORE, each waiting for its reply (what naive copiers do).</summary>
    public static async Task<double> OneKeyAtATimeAsync(RedisEndpoint source, RedisEndpoint target, IReadOnlyDictionary<string, string> map, int keys)
    {
        var sourceTopology = (await Topology.ReadAsync(source)).WithAddressMap(map);
        var targetTopology = (await Topology.ReadAsync(target)).WithAddressMap(map);
        var all = await DataComparer.AllKeysAsync(Topology.MapAddress(source, map));
        var sources = new Dictionary<int, RespConnection>();
        var targets = new Dictionary<int, RespConnection>();
        var writer = new RespWriter(4096);
        var clock = Stopwatch.StartNew();
        var copied = 0;
        foreach (var key in all.Take(keys))
        {
            var slot = HashSlot.Of(key);
            var from = await ConnectionAsync(sources, sourceTopology, slot);
            writer.Clear();
            writer.Command(2).Bulk("DUMP"u8).Bulk(key);
            await from.SendAsync(writer);
            await from.ReadFrameAsync();
            if (!RespFrame.TryBulk(from.Frame, out var frame))
            {
                continue;
            }
            var payload = frame.ToArray();
            writer.Clear();
            writer.Command(2).Bulk("PTTL"u8).Bulk(key);
            await from.SendAsync(writer);
            await from.ReadFrameAsync();
            var ttl = Math.Max(0, RespFrame.Integer(from.Frame));
            var to = await ConnectionAsync(targets, targetTopology, slot);
            writer.Clear();
            writer.Command(5).Bulk("RESTORE"u8).Bulk(key).Bulk(ttl).Bulk(payload).Bulk("REPLACE"u8);
            await to.SendAsync(writer);
            await to.ReadFrameAsync();
            RespConnection.ThrowIfError(to.Frame);
            copied++;
        }
        clock.Stop();
        foreach (var connection in sources.Values.Concat(targets.Values))
        {
            await connection.DisposeAsync();
        }
        return copied / clock.Elapsed.TotalSeconds;
    }

    /// <summary>redis-cli --cluster import (one blocking MIGRATE per key) from a standalone server into the target cluster.</summary>
    public static async Task<double> RedisCliImportAsync(RedisServer standalone, RedisCluster target, long keys)
    {
        var clock = Stopwatch.StartNew();
        await target.RunCliAsync(["--cluster", "import", $"127.0.0.1:{target.Nodes[0].Port}", "--cluster-from", $"127.0.0.1:{standalone.Port}", "--cluster-copy", "--cluster-replace"]);
        clock.Stop();
        return keys / clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The C two-phase copier (bench/ccopy/ccopy.c, built here with gcc): one process per source master, SCAN, then PTTL+DUMP
    /// for a batch in one pipeline, then RESTORE ... REPLACE per target master. Null when gcc is missing.
    /// </summary>
    public static async Task<CopyFigures?> CCopierAsync(RedisCluster source, RedisCluster target, int batch)
    {
        var program = await BuildCCopierAsync();
        if (program is null)
        {
            return null;
        }
        var targetTopology = await Topology.ReadAsync(target.Endpoint);
        var arguments = new List<string> { batch.ToString(CultureInfo.InvariantCulture), string.Join(",", (await source.MastersAsync()).Select(m => m.Port)) };
        arguments.AddRange(targetTopology.Shards.Select(s => $"{s.Master.Port}=" + string.Join("+", s.Slots.Select(r => $"{r.Start}-{r.End}"))));
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        arguments.ForEach(start.ArgumentList.Add);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the C copier");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        clock.Stop();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the C copier failed with {process.ExitCode}: {await errors}");
        }
        // "keys N cpu S": the forked copiers' CPU is counted by their parent
        var words = (await output).Trim().Split('\n')[^1].Split(' ');
        var keys = long.Parse(words[1], CultureInfo.InvariantCulture);
        var cpu = double.Parse(words[3], CultureInfo.InvariantCulture);
        return new CopyFigures(keys, 0, 0, 0, clock.Elapsed.TotalSeconds, cpu, 0);
    }

    private static async Task<string?> BuildCCopierAsync()
    {
        var sourceFile = Path.Combine(AppContext.BaseDirectory, "ccopy", "ccopy.c");
        var program = Path.Combine(Path.GetTempPath(), "dcopy-bench-ccopy-" + Environment.ProcessId);
        var start = new ProcessStartInfo("gcc") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in (string[])["-O2", "-o", program, sourceFile])
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            using var gcc = Process.Start(start)!;
            var errors = await gcc.StandardError.ReadToEndAsync();
            await gcc.WaitForExitAsync();
            if (gcc.ExitCode != 0)
            {
                throw new InvalidOperationException("gcc could not build the C copier: " + errors);
            }
            return program;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static async Task<RespConnection> ConnectionAsync(Dictionary<int, RespConnection> cache, Topology topology, int slot)
    {
        var shard = topology.ShardFor(slot);
        if (!cache.TryGetValue(shard, out var connection))
        {
            connection = await RespConnection.ConnectAsync(topology.Shards[shard].Master);
            cache[shard] = connection;
        }
        return connection;
    }
}
