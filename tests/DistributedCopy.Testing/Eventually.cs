using Xunit;

namespace DistributedCopy.Testing;

/// <summary>
/// The one way a test waits for something: the condition polled until it holds, the test failed at the deadline naming
/// what it waited for; a task given (the work under test) ends the wait as soon as it ends, with its own error first.
/// </summary>
public static class Eventually
{
    public static Task HoldsAsync(Func<bool> condition, string what, TimeSpan within, Task? unlessEnded = null, TimeSpan? every = null) =>
        HoldsAsync(() => Task.FromResult(condition()), what, within, unlessEnded, every);

    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, TimeSpan within, Task? unlessEnded = null, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition().ConfigureAwait(false))
        {
            if (unlessEnded is { IsCompleted: true })
            {
                await unlessEnded.ConfigureAwait(false);
                Assert.Fail($"the work under test ended before {what}");
            }
            Assert.True(DateTime.UtcNow < deadline, $"not within {within.TotalSeconds:0.#} s: {what}");
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(50)).ConfigureAwait(false);
        }
    }
}
