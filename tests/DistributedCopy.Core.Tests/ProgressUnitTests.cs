namespace DistributedCopy.Core.Tests;

public sealed class ProgressUnitTests
{
    public static TheoryData<Exception, string> Errors => new()
    {
        { new RedisConnectException("no progress on the reply from 127.0.0.1:7000 within 10 s"), "connection" },
        { new IOException("Broken pipe"), "network" },
        { new RedisErrorException("OOM command not allowed when used memory > 'maxmemory'."), "OOM" },
        { new RedisErrorException("LOADING Redis is loading the dataset in memory"), "LOADING" },
        { new TopologyChangedException("the target redirected: MOVED 12 127.0.0.1:7001"), "topology" },
        { new RetriesExhaustedException(3, TimeSpan.FromSeconds(4), new IOException("Broken pipe")), "retries" },
        { new CopyException("the source is a cluster: copy it by slots"), "copy" },
        { new InvalidOperationException("unexpected"), "InvalidOperationException" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public void EachKindOfErrorKeepsItsLastText(Exception error, string kind)
    {
        var progress = new CopyProgress();
        progress.AddError(new RedisConnectException("cannot connect to 127.0.0.1:1: ConnectionRefused"));
        progress.AddError(error);

        Assert.Equal(2, progress.Errors);
        Assert.Equal(error.Message, progress.LastError);
        Assert.Equal(error.Message, progress.LastErrors[kind]);
        if (kind != "connection")
        {
            Assert.Equal("cannot connect to 127.0.0.1:1: ConnectionRefused", progress.LastErrors["connection"]);
        }
    }
}
