using DistributedCopy.Core.Resp;

namespace DistributedCopy.Bench;

/// <summary>The big-values set: string values of random bytes (DUMP's compression cannot shrink them), each key distinct.</summary>
internal static class BigValues
{
    public const int ValueBytes = 5 * 1024 * 1024;

    /// <summary>Writes <paramref name="count"/> values of <paramref name="size"/> bytes, each to its slot's master; returns the bytes written.</summary>
    public static async Task<long> LoadAsync(RedisEndpoint cluster, int count, int size)
    {
        var topology = await Topology.ReadAsync(cluster);
        var value = new byte[size];
        new Random(5).NextBytes(value);
        var connections = new Dictionary<int, RespConnection>();
        var writer = new RespWriter(size + 1024);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var key = System.Text.Encoding.ASCII.GetBytes($"big:{i:D6}");
                BitConverter.TryWriteBytes(value, i);
                var shard = topology.ShardFor(HashSlot.Of(key));
                if (!connections.TryGetValue(shard, out var connection))
                {
                    connection = await RespConnection.ConnectAsync(topology.Shards[shard].Master);
                    connections[shard] = connection;
                }
                writer.Clear();
                writer.Command(3).Bulk("SET"u8).Bulk(key).Bulk(value);
                await connection.SendAsync(writer);
                await connection.ReadFrameAsync();
                RespConnection.ThrowIfError(connection.Frame);
            }
        }
        finally
        {
            foreach (var connection in connections.Values)
            {
                await connection.DisposeAsync();
            }
        }
        return (long)count * size;
    }
}
