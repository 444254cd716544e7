namespace DistributedCopy.Core.Cluster;

/// <summary>Key names for the probes dcopy makes on a server: the name says it is dcopy's, the slot is the first master's.</summary>
internal static class ProbeKey
{
    /// <summary>"dcopy:probe:&lt;nonce&gt;:&lt;name&gt;:&lt;n&gt;" in a slot the first master serves (so no redirect hides the answer).</summary>
    public static byte[] For(Topology topology, string nonce, string name)
    {
        for (var i = 0; ; i++)
        {
            var key = System.Text.Encoding.ASCII.GetBytes($"dcopy:probe:{nonce}:{name}:{i}");
            if (topology.ShardFor(HashSlot.Of(key)) == 0)
            {
                return key;
            }
        }
    }
}
