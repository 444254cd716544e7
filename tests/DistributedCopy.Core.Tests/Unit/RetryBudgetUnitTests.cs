namespace DistributedCopy.Core.Tests.Unit;

/// <summary>
/// The retry bound of loops that try on their own (the sweep, a change feed): failures go on with backoff until they have
/// lasted longer than the budget, then the last ends the loop with its reason; a success starts again.
/// </summary>
public sealed class RetryBudgetUnitTests
{
    [Fact]
    public void FailuresEndTheLoopOnlyOnceTheyLastLongerThanTheBudget()
    {
        var budget = new RetryBudget(TimeSpan.FromMilliseconds(50));
        var failure = new IOException("connection reset");

        // the first failure is always tried again, with the first backoff step (100 ms ± 50%)
        Assert.InRange(budget.Failed(failure), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(150));
        Thread.Sleep(80);
        var exhausted = Assert.Throws<RetriesExhaustedException>(() => budget.Failed(failure));

        Assert.Same(failure, exhausted.InnerException);
        Assert.Equal(2, budget.Failures);
    }

    [Fact]
    public void ASuccessStartsTheCountAgain()
    {
        var budget = new RetryBudget(TimeSpan.FromMilliseconds(50));
        budget.Failed(new IOException("reset"));
        Thread.Sleep(80);

        budget.Succeeded();

        Assert.Equal(0, budget.Failures);
        budget.Failed(new IOException("reset"));
        Assert.Equal(1, budget.Failures);
    }

    [Fact]
    public void BackoffGrowsAndIsCappedWhileWithinTheBudget()
    {
        var budget = new RetryBudget(TimeSpan.FromHours(1));
        var waits = Enumerable.Range(0, 10).Select(_ => budget.Failed(new IOException("reset"))).ToList();

        Assert.Equal(10, budget.Failures);
        // 100 ms doubling, capped at the sixth step (3.2 s ± 50%)
        Assert.All(waits, wait => Assert.InRange(wait, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(4800)));
        Assert.InRange(waits[^1], TimeSpan.FromMilliseconds(1600), TimeSpan.FromMilliseconds(4800));
    }
}
