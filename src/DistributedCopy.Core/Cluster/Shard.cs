using System.Text;

namespace DistributedCopy.Core.Cluster;

/// <summary>One master, the slots it serves (all of them for a standalone server), and how many replicas follow it.</summary>
public sealed record Shard(RedisEndpoint Master, IReadOnlyList<SlotRange> Slots, string NodeId, int Replicas = 0);
