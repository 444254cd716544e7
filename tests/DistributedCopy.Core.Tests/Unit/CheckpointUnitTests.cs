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

        cursors.BatchDone(Batch(1));
        cursors.BatchDone(Batch(2));
        Assert.Empty(committed); // batch 0 is still being written
        cursors.BatchDone(Batch(0));
        Assert.Equal(["a/42"], committed); // the highest cursor whose batches are all done; a/17 is passed over
        cursors.BatchDone(Batch(3));
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

    [Fact]
    public void AKeyWrittenPastTheCommittedCursorIsUnsettledUntilACursorCoversItEvenInsideABatch()
    {
        var ledger = new CheckpointLedger();
        var cursors = new CursorTracker(null, ledger);
        // batch 0: SCAN returned a/1 after its first two keys (it stayed open), then a/2 after batch 1 closed
        cursors.Reached("a/1", needsSequence: 0, partial: true);
        cursors.Reached("a/2", needsSequence: 1);

        cursors.BatchDone(Batch(1, KeyState.Copied, KeyState.Copied, KeyState.Vanished));
        Assert.Equal(new KeysWritten(2, 0, 1), ledger.Take().Unsettled); // written before batch 0: nothing covers it
        cursors.BatchDone(Batch(0, covered: 2, KeyState.Copied, KeyState.Skipped, KeyState.Copied, KeyState.Copied));
        var taken = ledger.Take();
        Assert.Equal("a/2", taken.Position);
        Assert.Equal(new KeysWritten(5, 1, 1), taken.Written);
        Assert.Equal(default, taken.Unsettled);
    }

    [Fact]
    public void AnOpenBatchsKeysAfterTheCursorStayUnsettledUntilTheNextCursor()
    {
        var ledger = new CheckpointLedger();
        var cursors = new CursorTracker(null, ledger);
        cursors.Reached("a/1", needsSequence: 0, partial: true);
        cursors.BatchDone(Batch(0, covered: 1, KeyState.Copied, KeyState.Copied, KeyState.Skipped));

        // a resume from a/1 lists the second and third keys again: they are not settled
        var taken = ledger.Take();
        Assert.Equal("a/1", taken.Position);
        Assert.Equal(new KeysWritten(1, 1, 0), taken.Unsettled);
        cursors.Reached("0", needsSequence: 0);
        Assert.Equal(default, ledger.Take().Unsettled);
    }

    [Fact]
    public void ASlotsKeysAreSettledWhenTheSlotIsDoneAndItComesInTheSameTake()
    {
        var ledger = new CheckpointLedger();
        var tracker = new SlotTracker(ledger.SlotDone, ledger);
        tracker.Hold(5);
        tracker.Hold(6);
        tracker.AddBatch(5);
        tracker.AddBatch(6);
        var batch = Batch(0, KeyState.Copied, KeyState.Copied, KeyState.Copied);
        batch.SourceSlot[0] = batch.SourceSlot[1] = 5;
        batch.SourceSlot[2] = 6;
        batch.Slots.AddRange([5, 6]);

        SlotSource.Release(batch, tracker);
        tracker.Release(5); // slot 5's listing ends; slot 6's goes on
        var taken = ledger.Take();
        Assert.Equal([5], taken.SlotsDone);
        Assert.Equal(new KeysWritten(3, 0, 0), taken.Written);
        Assert.Equal(new KeysWritten(1, 0, 0), taken.Unsettled);
        tracker.Release(6);
        taken = ledger.Take();
        Assert.Equal([6], taken.SlotsDone);
        Assert.Equal(default, taken.Unsettled);
    }

    [Fact]
    public void AScanStartedOverCountsEveryKeyOnceFromTheNewListingAndTheRestAsWrittenAgain()
    {
        // earlier leases counted 10 copied and 2 skipped of the database
        var ledger = new CheckpointLedger(new KeysWritten(10, 2, 0));
        var cursors = new CursorTracker(null, ledger);
        cursors.Reached("a/1", needsSequence: 0);
        cursors.BatchDone(Batch(0, KeyState.Copied, KeyState.Copied));
        cursors.Reached("a/2", needsSequence: 1);

        // the server restarted: SCAN starts over in listing 1; batch 1 (listing 0) is written after that
        cursors.Restart(epoch: 1);
        cursors.BatchDone(Batch(1, KeyState.Copied, KeyState.Skipped));
        cursors.Reached("b/7", needsSequence: 2);
        var again = Batch(2, KeyState.Copied, KeyState.Copied, KeyState.Copied);
        again.Epoch = 1;
        cursors.BatchDone(again);

        var taken = ledger.Take();
        Assert.Equal("b/7", taken.Position); // a/2 of the old listing is never committed
        Assert.Equal(new KeysWritten(3, 0, 0), taken.Written);
        Assert.Equal(new KeysWritten(13, 3, 0), taken.Rewritten);
        Assert.Equal(default, taken.Unsettled);
    }

    [Fact]
    public void SlotsListedAgainCountTheirKeysOnceAndOnlyThoseSlots()
    {
        var ledger = new CheckpointLedger();
        var tracker = new SlotTracker(ledger.SlotDone, ledger);
        tracker.Hold(5);
        tracker.Hold(6);
        var first = Batch(0, KeyState.Copied, KeyState.Copied, KeyState.Copied);
        first.SourceSlot[0] = first.SourceSlot[1] = 5;
        first.SourceSlot[2] = 6;
        SlotSource.Release(first, tracker);
        // a batch of the first listing of slot 5 still being written when the retried step lists slot 5 again
        var late = Batch(1, KeyState.Copied);
        late.SourceSlot[0] = 5;

        ledger.Relisted([5], epoch: 1);
        SlotSource.Release(late, tracker);
        var relisted = Batch(2, KeyState.Copied, KeyState.Copied, KeyState.Copied);
        relisted.Epoch = 1;
        relisted.SourceSlot[0] = relisted.SourceSlot[1] = relisted.SourceSlot[2] = 5;
        SlotSource.Release(relisted, tracker);

        var taken = ledger.Take();
        Assert.Equal(new KeysWritten(4, 0, 0), taken.Written); // slot 5's three of the new listing, slot 6's one
        Assert.Equal(new KeysWritten(3, 0, 0), taken.Rewritten);
        Assert.Equal(new KeysWritten(4, 0, 0), taken.Unsettled);
    }

    private static KeyBatch Batch(long sequence, params KeyState[] states) => Batch(sequence, -1, states);

    private static KeyBatch Batch(long sequence, int covered, params KeyState[] states)
    {
        var batch = new KeyBatch(Math.Max(1, states.Length)) { Sequence = sequence, Covered = covered };
        for (var i = 0; i < states.Length; i++)
        {
            batch.Add([(byte)'k', (byte)i], 0);
            batch.State[i] = states[i];
        }
        return batch;
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
    public void TheEndOfAScanIsAPositionOfItsOwnNotTheStart()
    {
        // a lease ended after its scan's last cursor was committed resumes at the end, not from the start
        Assert.Equal(ScanPosition.End, ScanPosition.Format("3f2a9c", "0"));
        Assert.NotEqual(ScanPosition.Start, ScanPosition.End);
    }
}
