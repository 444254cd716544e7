namespace DistributedCopy.Core.Writers;

// RestoreWriter, part 2: what the target's refusals mean, said in the operator's terms.
internal sealed partial class RestoreWriter
{
    private CopyException TooLarge(KeyBatch batch, int from, int to, int shard, string node, string text)
    {
        var biggest = -1;
        for (var i = from; i < to; i++)
        {
            if (_route[i] == shard && (biggest < 0 || batch.PayloadLength[i] > batch.PayloadLength[biggest]))
            {
                biggest = i;
            }
        }
        return new CopyException($"the target {node} refused a write as too large ({text}): key {KeyText.Printable(batch.Key(biggest))} holds {batch.PayloadLength[biggest]:N0} bytes; raise proto-max-bulk-len on the target");
    }

    /// <summary>"used_memory … of maxmemory … (policy …)" from INFO memory, or null when the server will not say.</summary>
    private static async Task<string?> MemoryAsync(RespConnection connection)
    {
        try
        {
            var info = Topology.ParseInfo(await connection.ExecuteStringAsync("INFO", "memory").ConfigureAwait(false));
            return $"used_memory {info.GetValueOrDefault("used_memory_human", "?")} of maxmemory {info.GetValueOrDefault("maxmemory_human", "?")}, policy {info.GetValueOrDefault("maxmemory_policy", "?")}";
        }
        catch (RespException)
        {
            return null;
        }
    }
}
