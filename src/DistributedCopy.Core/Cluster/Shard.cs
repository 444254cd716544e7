using System.Text;

namespace DistributedCopy.Core.Cluster;

/// <summary>One master, the slots it serves (all of them for a standalone server), and how many replicas follow it.</summary>
public sealed record Shard(RedisEndpoint Master, IReadOnlyList<SlotRange> Slots, string NodeId, int Replicas = 0)
{
    /// <summary>The replica keys are read from, where the source is read from replicas (<c>--read-from replica</c>).</summary>
    public RedisEndpoint? Replica { get; init; }

    /// <summary>Where this shard's keys are read (listed, dumped, counted, followed): its replica if it has one chosen, else its master.</summary>
    public RedisEndpoint ReadNode => Replica ?? Master;
}
