using DistributedCopy.Core.Pipelines;
using DistributedCopy.Core.Writers;

namespace DistributedCopy.Core.Tests.Unit;

/// <summary>The one decision every writer makes on a key the target holds already, and the replies it tells apart.</summary>
public sealed class TargetRepliesUnitTests
{
    [Theory]
    [InlineData(OverwritePolicy.SkipExisting, false, false, true)]
    [InlineData(OverwritePolicy.FailOnExisting, false, false, false)]
    // the write may have gone through before: a retried batch, a resumed copy
    [InlineData(OverwritePolicy.FailOnExisting, true, false, true)]
    [InlineData(OverwritePolicy.FailOnExisting, false, true, true)]
    public void AKeyThatExistsIsSkippedOrStopsTheCopy(OverwritePolicy policy, bool retried, bool resuming, bool skipped)
    {
        var options = new CopyOptions { Policy = policy, Resuming = resuming };
        var key = "orders:1"u8.ToArray();
        if (skipped)
        {
            Assert.Equal(KeyState.Skipped, TargetReplies.Existing(options, retried, key));
            Assert.Null(TargetReplies.ExistingFailure(options, retried, key));
        }
        else
        {
            var stop = Assert.Throws<TargetKeyExistsException>(() => TargetReplies.Existing(options, retried, key));
            Assert.Contains("orders:1", stop.Message, StringComparison.Ordinal);
            Assert.NotNull(TargetReplies.ExistingFailure(options, retried, key));
        }
    }

    [Fact]
    public void TheTargetsRepliesAreToldApartByTheirCode()
    {
        Assert.True(TargetReplies.IsKeyExists("BUSYKEY Target key name already exists."));
        Assert.True(TargetReplies.IsOutOfMemory("OOM command not allowed when used memory > 'maxmemory'."));
        Assert.False(TargetReplies.IsOutOfMemory("ERR OOM is not a prefix here"));
        Assert.False(TargetReplies.IsKeyExists("ERR syntax error"));
    }
}
