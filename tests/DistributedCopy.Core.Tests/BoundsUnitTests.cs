namespace DistributedCopy.Core.Tests;

/// <summary>The pieces that bound memory and checkpoints, without a server.</summary>
public sealed class BoundsUnitTests
{
    [Fact]
    public async Task TheByteBudgetHoldsRequestsBeyondItsLimitAndServesThemInOrder()
    {
        var budget = new ByteBudget(10);
        await budget.AcquireAsync(6, CancellationToken.None);
        var second = budget.AcquireAsync(6, CancellationToken.None).AsTask();
        var third = budget.AcquireAsync(1, CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted, "a small request must not overtake a waiting large one");
        budget.Release(6);
        await second.WaitAsync(TimeSpan.FromSeconds(1));
        await third.WaitAsync(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task OneRequestLargerThanTheWholeBudgetStillGoesAloneAndACancelledOneHoldsNothing()
    {
        var budget = new ByteBudget(10);
        await budget.AcquireAsync(50, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = budget.AcquireAsync(5, cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        budget.Release(50);
        await budget.AcquireAsync(10, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(1));
    }

    [Theory]
    [InlineData(0, 0, 1000, 1)]               // nothing seen yet: one key
    [InlineData(100_000, 1000, 1000, 1000)]   // 100 bytes a key: the whole batch fits in 8 MB
    [InlineData(5_000_000, 1, 1000, 1)]       // 5 MB a key: one at a time
    [InlineData(1_000_000, 1, 1000, 8)]       // 1 MB a key: eight
    public void ReadsAreSizedByTheBytesSeenPerKey(long bytes, int keys, int remaining, int expected)
    {
        var estimate = new PayloadEstimate();
        if (keys > 0)
        {
            estimate.Observe(bytes, keys);
        }
        Assert.Equal(expected, estimate.KeysFor(remaining, 8 * 1024 * 1024));
    }

    [Theory]
    [InlineData("0", null, "0")]
    [InlineData("abc/123", "abc", "123")]
    [InlineData("123", null, "123")]
    [InlineData(null, null, "0")]
    public void ScanPositionsCarryTheRunIdOfTheServerThatGaveTheCursor(string? position, string? runId, string cursor)
    {
        Assert.Equal((runId, cursor), ScanPosition.Parse(position));
        if (runId is not null)
        {
            Assert.Equal(position, ScanPosition.Format(runId, cursor));
        }
    }

    [Fact]
    public void ASlotBeingMigratedAwayOrImportedIsNotStablyOwned()
    {
        const string nodes = "a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-100 200 [50->-b2] [300-<-c3]\n" +
                             "b2 127.0.0.1:7001@17001 master - 0 0 2 connected 101-199\n";
        var stable = SlotOwnership.StableSlotsOfMyself(nodes);
        Assert.True(stable[0] && stable[49] && stable[51] && stable[100] && stable[200]);
        Assert.False(stable[50]);
        Assert.False(stable[101] || stable[199] || stable[300]);
    }

    [Fact]
    public void AReplicaIsNeverTakenAsOwningASlot()
    {
        // a replica's copy of its master's line lacks the migrating markers, which a node prints on its own line only
        const string nodes = "a1 127.0.0.1:7000@17000 master - 0 0 1 connected 0-100\n" +
                             "b2 127.0.0.1:7001@17001 master - 0 0 2 connected 101-199\n" +
                             "c3 127.0.0.1:7002@17002 myself,slave b2 0 0 2 connected\n";
        var stable = SlotOwnership.StableSlotsOfMyself(nodes);
        Assert.DoesNotContain(true, stable);
    }
}
