using System.Text;
using DistributedCopy.Core.Cluster;
using DistributedCopy.Core.Resp;

namespace DistributedCopy.Testing;

// RedisCluster, part 3: a command on the master that owns its key.
public sealed partial class RedisCluster
{
    /// <summary>Runs <paramref name="parts"/> (a command whose first argument is its key) on the master owning that key's slot; the reply's frame.</summary>
    public async Task<byte[]> ExecuteOnOwnerAsync(params string[] parts)
    {
        var topology = await Topology.ReadAnyAsync(Endpoint.AllSeeds(), CancellationToken.None);
        var master = topology.Shards[topology.ShardFor(HashSlot.Of(Encoding.UTF8.GetBytes(parts[1])))].Master;
        await using var connection = await RespConnection.ConnectAsync(master);
        return await connection.ExecuteAsync(parts);
    }
}
