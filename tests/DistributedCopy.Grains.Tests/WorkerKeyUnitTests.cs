using DistributedCopy.Abstractions;

namespace DistributedCopy.Grains.Tests;

/// <summary>A worker grain's key as the coordinator makes it and the worker and the spread placement read it.</summary>
public sealed class WorkerKeyUnitTests
{
    [Theory]
    [InlineData("copy-20261207", 0, "copy-20261207/0")]
    [InlineData("nightly", 17, "nightly/17")]
    [InlineData("team/a/move", 3, "team/a/move/3")]
    public void TheKeyRoundTripsEvenWhenTheJobsIdHoldsASlash(string jobId, int index, string text)
    {
        var key = new WorkerKey(jobId, index);

        Assert.Equal(text, key.ToString());
        Assert.Equal(key, WorkerKey.Parse(text));
    }

    [Theory]
    [InlineData("job")]
    [InlineData("job/")]
    [InlineData("/3")]
    [InlineData("job/-1")]
    [InlineData("job/x")]
    public void AKeyThatIsNotAWorkersIsRefused(string text)
    {
        Assert.False(WorkerKey.TryParse(text, out _));
        Assert.Throws<FormatException>(() => WorkerKey.Parse(text));
    }
}
