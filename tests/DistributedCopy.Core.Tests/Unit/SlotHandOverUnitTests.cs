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
        // the key names the taker, then the giver and the offset it handed over at (no giver followed here: empty)
        Assert.All(due, d => Assert.Equal("node-b  1000", d.To));
        Assert.All(due, d => Assert.Equal("node-b", SlotHandOver.OwnerOf(d.To)));
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

    [Fact]
    public void AGiverRestartedFromAnEarlierCheckpointSkipsItsOwnCommandsOfASlotItHandedOverAndHoldsLaterOnes()
    {
        // before the stop: node-a handed slot 500 to node-b at offset 2,000
        var giver = new SlotHandOver("job.2");
        giver.Follow("node-a");
        giver.Own([500]);
        giver.Schedule(500, "node-b", at: 2_000);
        var value = Assert.Single(giver.DueBy(2_000)).To;
        Assert.Equal("node-b node-a 2000", value);

        // started again, its stream replayed from a checkpoint before 2,000: the key names node-b, given by node-a
        var restarted = new SlotHandOver("job.2");
        restarted.Follow("node-a");
        Assert.False(restarted.IsMine(value));
        restarted.Given(500, value, "node-a");
        Assert.False(restarted.IsFree(500));
        // its commands up to the hand-over are on the target already; after it (the slot came back) they wait
        Assert.True(restarted.GivenBefore(500, 1_500));
        Assert.True(restarted.GivenBefore(500, 2_000));
        Assert.False(restarted.GivenBefore(500, 2_001));
        // another partition's hand-over, or one in the old form (owner only), says nothing of this stream's past
        var other = new SlotHandOver("job.2");
        other.Given(500, value, "node-c");
        other.Given(501, "node-b", "node-a");
        Assert.False(other.GivenBefore(500, 1_500));
        Assert.False(other.GivenBefore(501, 1));
    }
}
