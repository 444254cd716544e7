namespace DistributedCopy.Core.Tests.Unit;

/// <summary>How slots are cut into partitions, from counts alone.</summary>
public sealed class PlannerUnitTests
{
    public static TheoryData<string, int> Shapes => new()
    {
        { "3 masters, even", 4 },
        { "3 masters, even", 64 },
        { "1 master", 1 },
        { "1 master", 16 },
        { "5 masters, uneven ranges", 7 },
        { "5 masters, uneven ranges", 200 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryServedSlotIsInExactlyOnePartitionOfOneMaster(string shape, int partitions)
    {
        var topology = TopologyOf(shape);
        var counts = Counts(seed: partitions);

        var plan = SlotPlanner.Split(topology, counts, partitions);

        var owner = new int[HashSlot.Count];
        foreach (var partition in plan)
        {
            var shards = Enumerable.Range(partition.StartSlot, partition.EndSlot - partition.StartSlot + 1).Select(topology.ShardFor).Distinct().ToList();
            Assert.Single(shards);
            Assert.Equal(topology.Shards[shards[0]].Master.Address, partition.Shard);
            Assert.Equal(counts.Skip(partition.StartSlot).Take(partition.EndSlot - partition.StartSlot + 1).Sum(), partition.Keys);
            for (var slot = partition.StartSlot; slot <= partition.EndSlot; slot++)
            {
                owner[slot]++;
            }
        }
        Assert.All(owner, n => Assert.Equal(1, n));
        Assert.Equal(counts.Sum(), plan.Sum(p => p.Keys));
    }

    [Fact]
    public void PartitionsHoldAboutTheirShareOfKeys()
    {
        var topology = TopologyOf("3 masters, even");
        var counts = Enumerable.Repeat(10L, HashSlot.Count).ToArray();

        var plan = SlotPlanner.Split(topology, counts, 64);

        // a partition closes as soon as it reaches its share (here exactly, 256 slots of 10 keys) or where its master's range ends
        var share = counts.Sum() / 64;
        Assert.All(plan, p => Assert.InRange(p.Keys, 1, share));
        Assert.InRange(plan.Count, 64, 64 + topology.Shards.Count);
    }

    private static Topology TopologyOf(string shape) => shape switch
    {
        "1 master" => new Topology(true, [Shard(0, new SlotRange(0, HashSlot.Count - 1))], "7.0.15"),
        "3 masters, even" => new Topology(true, [Shard(0, new SlotRange(0, 5460)), Shard(1, new SlotRange(5461, 10922)), Shard(2, new SlotRange(10923, 16383))], "7.0.15"),
        _ => new Topology(true,
        [
            Shard(0, new SlotRange(0, 99), new SlotRange(9000, 9999)),
            Shard(1, new SlotRange(100, 100)),
            Shard(2, new SlotRange(101, 8999)),
            Shard(3, new SlotRange(10000, 16000)),
            Shard(4, new SlotRange(16001, 16383)),
        ], "7.0.15"),
    };

    private static Shard Shard(int index, params SlotRange[] ranges) =>
        new(new RedisEndpoint("127.0.0.1", 7000 + index), ranges, "node" + index);

    /// <summary>Uneven counts: most slots small, some empty, a few hot.</summary>
    private static long[] Counts(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, HashSlot.Count).Select(_ => random.Next(10) switch { 0 => 0L, 9 => random.Next(1_000, 50_000), _ => random.Next(1, 100) }).ToArray();
    }
}
