namespace DistributedCopy.Core.Cluster;

/// <summary>
/// Removes what a job's big-key writers left under their temporary names (<see cref="TempKey"/>): a writer stopped midway
/// (a lease lost, a silo killed, a failure) leaves its chunks, which nothing else reads. Run when the job ends.
/// </summary>
public static class TempKeyCleanup
{
    /// <summary>SCANs every master of <paramref name="target"/> for the job's temporary keys and deletes them; returns how many.</summary>
    public static async Task<long> RunAsync(RedisEndpoint target, string jobTag, CancellationToken cancellationToken)
    {
        long removed = 0;
        foreach (var master in await ClusterView.MastersAsync(target, cancellationToken).ConfigureAwait(false))
        {
            await using var connection = await RespConnection.ConnectAsync(master, cancellationToken).ConfigureAwait(false);
            var cursor = "0";
            do
            {
                var found = new List<string>();
                var parts = RespFrame.Array(await connection.ExecuteAsync("SCAN", cursor, "MATCH", TempKey.Pattern(jobTag), "COUNT", "1000").ConfigureAwait(false));
                cursor = RespFrame.String(parts.Next());
                var items = RespFrame.Array(parts.Next());
                while (items.MoveNext(out var item))
                {
                    if (RespFrame.TryBulk(item, out var key))
                    {
                        found.Add(System.Text.Encoding.ASCII.GetString(key));
                    }
                }
                // one key a command: in a cluster, keys of several slots cannot go in one
                foreach (var key in found)
                {
                    removed += await connection.ExecuteIntegerAsync("UNLINK", key).ConfigureAwait(false);
                }
                cancellationToken.ThrowIfCancellationRequested();
            }
            while (cursor != "0");
        }
        return removed;
    }
}
