using DistributedCopy.Testing;
using StackExchange.Redis;

namespace DistributedCopy.Core.Tests;

public sealed class HashSlotTests
{
    [RedisFact]
    public async Task SlotsEqualStackExchangeRedisAndTheServerOnRandomBinaryKeys()
    {
        // StackExchange.Redis computes slots only once it has seen a cluster.
        await using var cluster = await RedisCluster.StartAsync(masters: 3);
        await using var mux = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{cluster.Nodes[0].Port}");
        await using var server = await cluster.Nodes[0].ConnectAsync();
        var random = new Random(20261124);
        var writer = new RespWriter();
        var keys = new List<byte[]>();
        for (var i = 0; i < 20_000; i++)
        {
            var key = new byte[random.Next(0, 40)];
            random.NextBytes(key);
            if (i % 4 == 0 && key.Length > 6)
            {
                key[random.Next(key.Length)] = (byte)'{';
                key[random.Next(key.Length)] = (byte)'}';
            }
            keys.Add(key);
            writer.Command(3).Bulk("CLUSTER"u8).Bulk("KEYSLOT"u8).Bulk(key);
        }
        await server.SendAsync(writer);
        foreach (var key in keys)
        {
            await server.ReadFrameAsync();
            var slot = HashSlot.Of(key);
            Assert.Equal(mux.HashSlot(key), slot);
            Assert.Equal(RespFrame.Integer(server.Frame), slot);
        }
    }
}
