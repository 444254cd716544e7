using DistributedCopy.Aspire.Hosting;

namespace DistributedCopy.AppHost.Tests;

/// <summary>How the integration splits a connection string into the address for dcopy's command line and the password for its environment.</summary>
public sealed class RedisReferenceUnitTests
{
    [Theory]
    [InlineData("127.0.0.1:6379", "127.0.0.1:6379", null)]
    [InlineData("cache:6380,password=s3cret", "cache:6380", "s3cret")]
    [InlineData("cache:6380,password=a,b=c,ssl=true", "cache:6380,ssl=true", "a,b=c")]
    [InlineData("cache:6380,ssl=true,password=p,user=app", "cache:6380,ssl=true,user=app", "p")]
    [InlineData("cache:6380,Password=UPPER,abortConnect=false", "cache:6380,abortConnect=false", "UPPER")]
    public void ThePasswordLeavesTheAddressAndKeepsItsCommas(string connectionString, string address, string? password)
    {
        var split = RedisReference.Split(connectionString);

        Assert.Equal(address, split.Address);
        Assert.Equal(password, split.Password);
        Assert.DoesNotContain("password", split.Address, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void AResourceWithoutAConnectionStringYetIsAnError() =>
        Assert.Throws<InvalidOperationException>(() => RedisReference.Split(null));
}
