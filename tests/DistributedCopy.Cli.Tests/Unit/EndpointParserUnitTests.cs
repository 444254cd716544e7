using DistributedCopy.Grains;

namespace DistributedCopy.Cli.Tests.Unit;

/// <summary>Endpoints as operators have them, read without a server; errors name the endpoint, never the password.</summary>
public sealed class EndpointParserUnitTests
{
    public static TheoryData<string, string, int, string?, string?, bool, int, bool> Valid => new()
    {
        { "cache.example:6380", "cache.example", 6380, null, null, false, 0, false },
        { "127.0.0.1:7000,password=Pw,ssl=True", "127.0.0.1", 7000, null, "Pw", true, 0, false },
        { "127.0.0.1:7000,user=copier,password=a,b,c", "127.0.0.1", 7000, "copier", "a,b,c", false, 0, false },
        { "redis://127.0.0.1:7000", "127.0.0.1", 7000, null, null, false, 0, false },
        { "redis://127.0.0.1", "127.0.0.1", 6379, null, null, false, 0, false },
        { "rediss://copier:Pw@cache.example:6380/0", "cache.example", 6380, "copier", "Pw", true, 0, true },
        { "redis://:Qx9Vb%2CMz4%40Hk%3AWj7%20x@127.0.0.1:7000/5", "127.0.0.1", 7000, null, "Qx9Vb,Mz4@Hk:Wj7 x", false, 5, true },
        { "default:Pw@127.0.0.1:7000", "127.0.0.1", 7000, "default", "Pw", false, 0, false },
        { "redis://[::1]:7000", "::1", 7000, null, null, false, 0, false },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void EachFormReadsToTheSameEndpoint(string text, string host, int port, string? user, string? password, bool tls, int database, bool namesDatabase)
    {
        var endpoint = EndpointParser.Parse(text, "--source");

        Assert.Equal((host, port, user, password, tls, database, namesDatabase),
            (endpoint.Host, endpoint.Port, endpoint.User, endpoint.Password, endpoint.UseTls, endpoint.Database, endpoint.NamesDatabase));
    }

    public static TheoryData<string, string> Invalid => new()
    {
        { "", "is empty" },
        { "127.0.0.1:99999,password=S3cr3tPw", "invalid port" },
        { "http://127.0.0.1:7000", "is not a redis:// or rediss:// address" },
        { "redis://:S3cr3tPw@127.0.0.1:7000/x", "database that is not a number" },
        { "127.0.0.1:7000,colour=blue,password=S3cr3tPw", "unknown option" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void BadInputIsOneBadInputErrorThatNeverHoldsThePassword(string text, string says)
    {
        var error = Assert.Throws<EndpointTextException>(() => EndpointParser.Parse(text, "--source"));

        Assert.StartsWith("--source", error.Message, StringComparison.Ordinal);
        Assert.Contains(says, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("S3cr3t", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
