namespace DistributedCopy.Core.Resilience;

/// <summary>
/// The engine's retry bound (<see cref="CopyOptions.RetryBudget"/>) for a loop that keeps trying on its own rather than
/// around one call (<see cref="Retry.RunAsync(CopyOptions, CopyProgress, Func{int, Task}, Func{Task}, IReadOnlyList{ValueTuple{ClusterView, Func{int}}}, CancellationToken)"/>):
/// the live sync's sweep, a change feed's subscription. Failures in a row go on with <see cref="Retry.Delay"/>'s backoff
/// until they have lasted longer than the budget (and there was more than one); then the last ends the loop as
/// <see cref="RetriesExhaustedException"/> with its reason. A success starts the count again.
/// </summary>
internal sealed class RetryBudget(TimeSpan budget)
{
    private long _failingSince;

    /// <summary>Failures since the last success.</summary>
    public int Failures { get; private set; }

    public void Succeeded() => (_failingSince, Failures) = (0, 0);

    /// <summary>Counts <paramref name="ex"/>; throws once failures have lasted longer than the budget; else the wait before the next try.</summary>
    public TimeSpan Failed(Exception ex)
    {
        _failingSince = _failingSince == 0 ? Environment.TickCount64 : _failingSince;
        Failures++;
        var spent = TimeSpan.FromMilliseconds(Environment.TickCount64 - _failingSince);
        return Failures > 1 && spent > budget
            ? throw new RetriesExhaustedException(Failures, spent, ex)
            : Retry.Delay(Math.Min(Failures - 1, 5));
    }
}
