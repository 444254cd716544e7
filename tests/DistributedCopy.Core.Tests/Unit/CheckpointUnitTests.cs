namespace DistributedCopy.Core.Tests.Unit;

/// <summary>What decides a checkpoint, without a server: slots done, SCAN positions committed, positions parsed.</summary>
public sealed class CheckpointUnitTests
{
    [Fact]
    public void ASlotIsDoneOnceItsListingAndEveryBatchHoldingItAreDoneInAnyOrder()
    {
        var done = new List<int>();
        var tracker = new SlotTracker(done.Add);
        tracker.Hold(5);
        tracker.Hold(6);
        tracker.AddBatch(5);
        tracker.AddBatch(5);
        tracker.AddBatch(6);

        tracker.Release(5); // the second batch of slot 5 is written before the first
        tracker.Release(6); // slot 6's batch is written before its listing ends
        Assert.Empty(done);
        tracker.Release(5); // the listing of slot 5 ends
        Assert.Empty(done);
        tracker.Release(5); // the last batch holding slot 5
        Assert.Equal([5], done);
        tracker.Release(6);
        Assert.Equal([5, 6], done);
    }

    [Fact]
    public void ACursorIsCommittedOnlyWhenEveryBatchBeforeItIsWrittenAndInScanOrder()
    {
        var committed = new List<string>();
        var cursors = new CursorTracker(committed.Add);
        cursors.Reached("a/17", needsSequence: 0);
        cursors.Reached("a/42", needsSequence: 2);
        cursors.Reached("0", needsSequence: 3);

        cursors.BatchDone(1);
        cursors.BatchDone(2);
        Assert.Empty(committed); // batch 0 is still being written
        cursors.BatchDone(0);
        Assert.Equal(["a/42"], committed); // the highest cursor whose batches are all done; a/17 is passed over
        cursors.BatchDone(3);
        Assert.Equal(["a/42", "0"], committed);
    }

    [Fact]
    public void ACursorReachedBeforeAnyBatchIsCommittedAtOnce()
    {
        var committed = new List<string>();
        var cursors = new CursorTracker(committed.Add);

        // a SCAN step that returned no key: nothing to wait for
        cursors.Reached("a/5", needsSequence: -1);

        Assert.Equal(["a/5"], committed);
    }

    public static TheoryData<string?, string?, string> Positions => new()
    {
        { null, null, "0" },
        { "", null, "0" },
        { "0", null, "0" },
        { "3f2a9c/1234", "3f2a9c", "1234" },
        { "1234", null, "1234" },
    };

    [Theory]
    [MemberData(nameof(Positions))]
    public void AScanPositionCarriesTheServerProcessThatReturnedIt(string? position, string? runId, string cursor)
    {
        Assert.Equal((runId, cursor), ScanPosition.Parse(position));
        if (runId is not null)
        {
            Assert.Equal(position, ScanPosition.Format(runId, cursor));
        }
    }

    [Fact]
    public void TheEndOfAScanIsTheStartWhateverTheProcess()
    {
        Assert.Equal(ScanPosition.Start, ScanPosition.Format("3f2a9c", "0"));
    }
}
