using DistributedCopy.Grains;

namespace DistributedCopy.Cli.Tests.Unit;

/// <summary>
/// The control Redis's text as dcopy and the silo both read it (one reader, <see cref="ControlRedis"/>): a URI and a
/// connection string name the same server, a password comes from the file, the variable, the text or
/// DCOPY_CONTROL_PASSWORD in that order, and Orleans gets every seed.
/// </summary>
public sealed class ControlRedisUnitTests
{
    private const string Password = "Sup3r,S3cret@Zq9v";

    [Fact]
    public void AUriAndAConnectionStringNameTheSameServerAndPassword()
    {
        var fromUri = ControlRedis.Parse("rediss://copier:Sup3r%2CS3cret%40Zq9v@ctl.example:6380/2", null, null);
        var fromText = ControlRedis.Parse("ctl.example:6380,user=copier,password=" + Password + ",ssl=true,defaultDatabase=2", null, null);

        foreach (var endpoint in new[] { fromUri, fromText })
        {
            Assert.Equal(("ctl.example", 6380, "copier", Password, true, 2), (endpoint.Host, endpoint.Port, endpoint.User, endpoint.Password, endpoint.UseTls, endpoint.Database));
        }
        var options = ControlRedis.Options(fromUri);
        Assert.Equal(("copier", Password, true, 2, false), (options.User, options.Password, options.Ssl, options.DefaultDatabase, options.AbortOnConnectFail));
        Assert.Equal("ctl.example:6380", Address(Assert.Single(options.EndPoints)));
    }

    [Fact]
    public void EverySeedReachesOrleans()
    {
        var options = ControlRedis.Options(ControlRedis.Parse("10.0.0.1:7000,10.0.0.2:7001,10.0.0.3:7002", null, null));

        Assert.Equal(["10.0.0.1:7000", "10.0.0.2:7001", "10.0.0.3:7002"], options.EndPoints.Select(Address).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void APasswordFileWinsOverTheVariableAndTheText()
    {
        var file = Path.GetTempFileName();
        var variable = "DCOPY_TEST_CONTROL_PW_" + Environment.ProcessId;
        try
        {
            File.WriteAllText(file, Password + "\n");
            Environment.SetEnvironmentVariable(variable, "from-variable");

            Assert.Equal(Password, ControlRedis.Parse("ctl:6379,password=from-text", file, variable).Password);
            Assert.Equal("from-variable", ControlRedis.Parse("ctl:6379,password=from-text", null, variable).Password);
            Assert.Equal("from-text", ControlRedis.Parse("ctl:6379,password=from-text", null, null).Password);
        }
        finally
        {
            File.Delete(file);
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Theory]
    [InlineData("--control-password-file", "cannot be read")]
    [InlineData("--control-password-env", "is not set")]
    public void AMissingPasswordSourceIsNamedWithoutTheText(string option, string expected)
    {
        var error = Assert.Throws<EndpointTextException>(() => option == "--control-password-file"
            ? ControlRedis.Parse("ctl:6379,password=" + Password, "/nonexistent/dcopy-control-pw", null)
            : ControlRedis.Parse("ctl:6379,password=" + Password, null, "DCOPY_TEST_UNSET_VARIABLE"));

        Assert.StartsWith(option + ": ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("S3cret", error.Message, StringComparison.Ordinal);
    }

    private static string Address(System.Net.EndPoint endpoint) => endpoint is System.Net.DnsEndPoint dns ? $"{dns.Host}:{dns.Port}" : endpoint.ToString()!;
}
