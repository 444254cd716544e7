using System.Diagnostics;
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
        var all = await DataComparer.AllKeysAsync(await Topology.ReadAsync(Topology.MapAddress(source, map)));
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
