using System.Globalization;
using System.Text;

namespace DistributedCopy.Core.Cluster;

// Topology, part 3: parsing the servers' replies.
public sealed partial class Topology
{
    public static Dictionary<string, string> ParseInfo(string info)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in info.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && !line.StartsWith('#'))
            {
                map[line[..colon]] = line[(colon + 1)..].TrimEnd('\r');
            }
        }
        return map;
    }

    internal static List<Shard> ParseShards(byte[] reply, RedisEndpoint seed)
    {
        var shards = new List<Shard>();
        var all = RespFrame.Array(reply);
        while (all.MoveNext(out var shardFrame))
        {
            var ranges = new List<SlotRange>();
            RedisEndpoint? master = null;
            var masterId = "";
            var replicas = 0;
            var fields = RespFrame.Array(shardFrame);
            while (fields.MoveNext(out var name))
            {
                var value = fields.Next();
                switch (RespFrame.String(name))
                {
                    case "slots":
                        var slots = RespFrame.Array(value);
                        while (slots.MoveNext(out var start))
                        {
                            ranges.Add(new SlotRange((int)RespFrame.Integer(start), (int)RespFrame.Integer(slots.Next())));
                        }
                        break;
                    case "nodes":
                        var nodes = RespFrame.Array(value);
                        while (nodes.MoveNext(out var node))
                        {
                            var props = ReadMap(node);
                            // a replica still loading counts: it may be promoted, so writes must reach it first
                            if (props.GetValueOrDefault("role") == "replica" && props.GetValueOrDefault("health") != "fail")
                            {
                                replicas++;
                            }
                            if (props.GetValueOrDefault("role") != "master" || props.GetValueOrDefault("health") == "fail")
                            {
                                continue;
                            }
                            var port = seed.UseTls && props.TryGetValue("tls-port", out var tlsPort) ? tlsPort : props.GetValueOrDefault("port", "0");
                            var host = props.GetValueOrDefault("ip") is { Length: > 0 } ip && ip != "?" ? ip : seed.Host;
                            master = seed.WithAddress(host, int.Parse(port, CultureInfo.InvariantCulture));
                            masterId = props.GetValueOrDefault("id", "");
                        }
                        break;
                }
            }
            if (master is not null && ranges.Count > 0)
            {
                shards.Add(new Shard(master, ranges, masterId, replicas));
            }
        }
        return shards;
    }

    internal static List<Shard> ParseSlots(byte[] reply, RedisEndpoint seed)
    {
        var byNode = new Dictionary<string, (RedisEndpoint Master, List<SlotRange> Ranges, int Replicas)>(StringComparer.Ordinal);
        var all = RespFrame.Array(reply);
        while (all.MoveNext(out var entry))
        {
            var parts = RespFrame.Array(entry);
            var start = (int)RespFrame.Integer(parts.Next());
            var end = (int)RespFrame.Integer(parts.Next());
            var node = RespFrame.Array(parts.Next());
            var host = RespFrame.String(node.Next());
            var port = (int)RespFrame.Integer(node.Next());
            var id = node.MoveNext(out var idFrame) ? RespFrame.String(idFrame) : host + ":" + port;
            var replicas = 0;
            while (parts.MoveNext(out _))
            {
                replicas++;
            }
            if (!byNode.TryGetValue(id, out var shard))
            {
                shard = (seed.WithAddress(host.Length > 0 ? host : seed.Host, port), [], replicas);
                byNode[id] = shard;
            }
            shard.Ranges.Add(new SlotRange(start, end));
        }
        return byNode.Select(kv => new Shard(kv.Value.Master, kv.Value.Ranges, kv.Key, kv.Value.Replicas)).ToList();
    }

    private static Dictionary<string, string> ReadMap(ReadOnlySpan<byte> frame)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var fields = RespFrame.Array(frame);
        while (fields.MoveNext(out var name))
        {
            var value = fields.Next();
            map[RespFrame.String(name)] = value[0] == (byte)':' ? RespFrame.Integer(value).ToString(CultureInfo.InvariantCulture)
                : RespFrame.TryBulk(value, out var text) ? Encoding.UTF8.GetString(text) : "";
        }
        return map;
    }
}
