namespace DistributedCopy.Cli;

/// <summary>Keys sampled from a side with SCAN, as their bytes: up to about <c>perNode</c> from each master (or the server).</summary>
public static class KeySample
{
    public static async Task<List<(RedisEndpoint Node, List<byte[]> Keys)>> TakeAsync(SideInfo side, int perNode, CancellationToken cancellationToken)
    {
        var sample = new List<(RedisEndpoint, List<byte[]>)>();
        foreach (var shard in side.Topology.Shards)
        {
            var node = side.Topology.IsCluster ? shard.Master : side.Endpoint;
            await using var connection = await RespConnection.ConnectAsync(node, cancellationToken);
            var keys = new List<byte[]>();
            var cursor = "0";
            do
            {
                var page = RespFrame.Array(await connection.ExecuteAsync("SCAN", cursor, "COUNT", "500"));
                cursor = RespFrame.String(page.Next());
                var names = RespFrame.Array(page.Next());
                while (names.MoveNext(out var name))
                {
                    // the key as its bytes: a binary key turned into text would be another key, in another slot
                    RespFrame.TryBulk(name, out var bytes);
                    keys.Add(bytes.ToArray());
                }
            }
            while (cursor != "0" && keys.Count < perNode);
            sample.Add((node, keys));
        }
        return sample;
    }
}
