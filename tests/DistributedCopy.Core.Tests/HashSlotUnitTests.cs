namespace DistributedCopy.Core.Tests;

public sealed class HashSlotUnitTests
{
    [Theory]
    [InlineData("foo", 12182)]
    [InlineData("{user1000}.following", 3443)]
    [InlineData("{user1000}.followers", 3443)]
    [InlineData("foo{}{bar}", 8363)]
    [InlineData("foo{{bar}}zap", 4015)]
    [InlineData("foo{bar}{zap}", 5061)]
    public void HashTagRulesMatchTheClusterSpecification(string key, int slot) => Assert.Equal(slot, HashSlot.Of(key));
}
