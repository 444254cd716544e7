using DistributedCopy.Core.Cluster;
using DistributedCopy.Core.Replication;

namespace DistributedCopy.Core.Tests.Unit;

/// <summary>Which slots a partition's stream writes while the source reshards between followed masters (no server).</summary>
public sealed class SlotHandOverUnitTests
{
    [Fact]
    public void AJobsPartitionsShareOneHandOverKeyPerSlotInThatSlotsTag()
    {
        var first = new SlotHandOver("orders-move.0");
        var second = new SlotHandOver("orders-move.12");
        Assert.Equal("orders-move.handover", first.KeyName);
        Assert.Equal(first.Key(1234), second.Key(1234));
        Assert.Equal(1234, HashSlot.Of(first.Key(1234)));
        Assert.NotEqual(first.Key(1234), new SlotHandOver("other.0").Key(1234));
    }

    [Fact]
    public void ASlotLeavingIsWrittenUntilTheTargetHoldsTheStreamUpToTheGiversOffsetThenNoMore()
    {
        var handOver = new SlotHandOver("job.0");
        handOver.Own(Enumerable.Range(0, 100));
        // the master now serves 0-49: 50-99 left it
        var departed = handOver.Departed([new SlotRange(0, 49)]);
        Assert.Equal(Enumerable.Range(50, 50), departed);
        foreach (var slot in departed)
        {
            handOver.Schedule(slot, "node-b", at: 1_000);
        }
        // scheduled once: the next look finds nothing new
        Assert.Empty(handOver.Departed([new SlotRange(0, 49)]));
        Assert.True(handOver.AnyDue);
        Assert.Empty(handOver.DueBy(999));
        // commands of a due slot before the offset are the giver's; from it on (the slot came back) they wait
        Assert.False(handOver.DueBefore(60, 999));
        Assert.True(handOver.DueBefore(60, 1_000));
        var due = handOver.DueBy(1_000);
        Assert.Equal(50, due.Count);
        Assert.All(due, d => Assert.Equal("node-b", d.To));
        Assert.True(handOver.IsFree(60));
        handOver.Handed(due);
        Assert.False(handOver.IsFree(60));
        Assert.True(handOver.IsFree(10));
        Assert.False(handOver.AnyDue);
        // a master that left hands over everything it still writes, due or not
        Assert.Equal(Enumerable.Range(0, 50), handOver.Writing());
    }

    [Fact]
    public void AHandOverIsTakenOnlyWhenItNamesAMasterThisPartitionFollows()
    {
        var handOver = new SlotHandOver("job.1");
        handOver.Follow("node-b");
        Assert.False(handOver.IsFree(7000));
        Assert.False(handOver.IsMine(null));
        Assert.False(handOver.IsMine("node-c"));
        Assert.True(handOver.IsMine("node-b"));
        // after a failover in this process, the replica that took over: both names are this partition's
        handOver.Follow("node-b2");
        Assert.True(handOver.IsMine("node-b"));
        Assert.True(handOver.IsMine("node-b2"));
        handOver.Adopt(7000);
        Assert.True(handOver.IsFree(7000));
    }
}
