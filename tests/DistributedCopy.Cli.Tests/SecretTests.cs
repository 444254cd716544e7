using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>No part of a password reaches any output, whatever the operator typed; passwords work from the environment and files.</summary>
public sealed class SecretTests(SecretServers servers) : IClassFixture<SecretServers>
{
    private const string Encoded = "Qx9Vb%2CMz4%40Hk%3AWj7";

    /// <summary>{src} the source's port, {tls} the TLS server's, {free} a port nobody listens on; {pw} the password, {enc} it percent-encoded.</summary>
    public static TheoryData<string, string, int> Endpoints => new()
    {
        { "URI without its scheme, nobody listening", "default:{enc}@127.0.0.1:{free}", ExitCodes.CannotConnect },
        { "URI without its scheme, not encoded, nobody listening", "default:{pw}@127.0.0.1:{free}", -1 },
        { "URI without its scheme, special characters not encoded", "default:{pw}@127.0.0.1:{src}", -1 },
        { "URI without its scheme, encoded", "default:{enc}@127.0.0.1:{src}", ExitCodes.Success },
        { "connection string, nobody listening", "127.0.0.1:{free},password={pw}", ExitCodes.CannotConnect },
        { "connection string, password with a comma", "127.0.0.1:{src},password={pw}", ExitCodes.Success },
        { "connection string, password with a comma, then an option", "127.0.0.1:{src},password={pw},ssl=false", ExitCodes.Success },
        { "connection string, wrong password", "127.0.0.1:{src},password={pw}-x", ExitCodes.AuthFailed },
        { "connection string, unknown option after the password (read as part of it)", "127.0.0.1:{src},password={pw},colour=blue", ExitCodes.AuthFailed },
        { "connection string, unknown option before the password", "127.0.0.1:{src},colour=blue,password={pw}", ExitCodes.BadInput },
        { "connection string, bad ssl value", "127.0.0.1:{src},ssl=maybe,password={pw}", ExitCodes.BadInput },
        { "connection string, option without a value before the password", "127.0.0.1:{src},{pw},password={pw}", -1 },
        { "connection string, password in the host", "{pw}:{src}", ExitCodes.BadInput },
        { "connection string, bracketed password as host", "[{pw}]:{src}", ExitCodes.BadInput },
        { "the password alone", "{pw}", ExitCodes.BadInput },
        { "URI, encoded, right password", "redis://default:{enc}@127.0.0.1:{src}", ExitCodes.Success },
        { "URI, no user, right password", "redis://:{enc}@127.0.0.1:{src}", ExitCodes.Success },
        { "URI, not encoded", "redis://default:{pw}@127.0.0.1:{src}", -1 },
        { "URI, TLS to a plain server", "rediss://default:{enc}@127.0.0.1:{src}", ExitCodes.CannotConnect },
        { "URI, plain to a TLS server", "redis://default:{enc}@127.0.0.1:{tls}", ExitCodes.CannotConnect },
        { "URI, unknown host", "redis://default:{enc}@no-such-host.invalid:6379", ExitCodes.CannotConnect },
        { "URI, port out of range", "redis://default:{enc}@127.0.0.1:99999", ExitCodes.BadInput },
        { "URI, database not a number", "redis://default:{enc}@127.0.0.1:{src}/abc", ExitCodes.BadInput },
        { "URI, database that does not exist", "redis://default:{enc}@127.0.0.1:{src}/99", ExitCodes.BadInput },
        { "URI, unknown user", "redis://nosuchuser:{enc}@127.0.0.1:{src}", ExitCodes.AuthFailed },
        { "URI, ACL user without permissions", "redis://noperm:{enc}@127.0.0.1:{src}", -1 },
        { "URI, wrong scheme", "http://default:{enc}@127.0.0.1:{src}", ExitCodes.BadInput },
    };

    [RedisTheory]
    [MemberData(nameof(Endpoints))]
    public async Task NoPartOfThePasswordAppearsInAnyOutput(string description, string endpoint, int expected)
    {
        var source = endpoint.Replace("{pw}", SecretServers.Password, StringComparison.Ordinal).Replace("{enc}", Encoded, StringComparison.Ordinal)
            .Replace("{src}", servers.Source.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{tls}", servers.Tls.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{free}", PortAllocator.Next().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var result = await Dcopy.RunAsync("plan", "--source", source, "--target", servers.Target.Endpoint.Address, "--json", "--timeout", "3");

        if (expected >= 0)
        {
            Assert.True(result.ExitCode == expected, $"{description}: {result}");
        }
        else
        {
            Assert.True(result.ExitCode != ExitCodes.Success, $"{description}: {result}");
        }
        AssertNoSecret(result.All, description);
        Assert.Equal(0, await KeyCounter.DbSizeAsync(servers.Target.Endpoint));
    }

    [RedisFact]
    public async Task APasswordFromTheEnvironmentOrAFileCopiesAndTheStateDirectoryHoldsOnlyTheReference()
    {
        await using var target = await RedisServer.StartAsync(new RedisServerOptions { Password = SecretServers.Password });
        var file = Path.Combine(Path.GetTempPath(), "dcopy-tests", "secret-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllTextAsync(file, SecretServers.Password + "\n");
        var state = Dcopy.StateDir();

        var result = await Dcopy.RunAsync(new Dictionary<string, string> { ["SOURCE_SECRET"] = SecretServers.Password },
            "copy", "--source", servers.Source.Endpoint.Address, "--source-password-env", "SOURCE_SECRET",
            "--target", target.Endpoint.Address, "--target-password-file", file,
            "--state-dir", state, "--json", "--progress", "none");

        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        Assert.Equal(await KeyCounter.DbSizeAsync(servers.Source.Endpoint), await KeyCounter.DbSizeAsync(target.Endpoint));
        var compared = await DataComparer.CompareAsync(servers.Source.Endpoint, target.Endpoint);
        Assert.True(compared.Identical, compared.ToString());
        AssertNoSecret(result.All, "output");
        foreach (var stored in Directory.EnumerateFiles(state, "*", SearchOption.AllDirectories))
        {
            AssertNoSecret(Convert.ToBase64String(await File.ReadAllBytesAsync(stored)) + System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(stored)), stored);
        }

        // a variable that is not set is named, and nothing is written
        var missing = await Dcopy.RunAsync("copy", "--source", servers.Source.Endpoint.Address, "--source-password-env", "NO_SUCH_SECRET_VARIABLE",
            "--target", target.Endpoint.Address, "--target-password-file", file, "--state-dir", Dcopy.StateDir());
        Assert.True(missing.ExitCode == ExitCodes.BadInput, missing.ToString());
        Assert.Contains("env:NO_SUCH_SECRET_VARIABLE", missing.Stderr, StringComparison.Ordinal);
    }

    [RedisFact]
    public async Task OnASiloClusterThePasswordComesFromEachSilosEnvironmentAndTheControlRedisNeverHoldsIt()
    {
        await using var control = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync(new RedisServerOptions { Password = SecretServers.Password });
        var secrets = new Dictionary<string, string> { ["DCOPY_JOB_SECRET"] = SecretServers.Password };
        var clusterId = "secret-" + Guid.NewGuid().ToString("N")[..6];
        await using var silo = await SiloProcess.StartAsync(control, clusterId, secrets);

        // a typed password would be stored in the control Redis: refused
        var typed = await Dcopy.RunAsync(secrets, "copy", "--source", $"{servers.Source.Endpoint.Address},password={SecretServers.Password}",
            "--target", target.Endpoint.Address, "--target-password-env", "DCOPY_JOB_SECRET", "--control", control.Endpoint.Address, "--cluster-id", clusterId);
        Assert.True(typed.ExitCode == ExitCodes.BadInput, typed.ToString());
        Assert.Contains("--source-password-env", typed.Stderr, StringComparison.Ordinal);

        var result = await Dcopy.RunAsync(secrets, "copy", "--source", servers.Source.Endpoint.Address, "--source-password-env", "DCOPY_JOB_SECRET",
            "--target", target.Endpoint.Address, "--target-password-env", "DCOPY_JOB_SECRET",
            "--control", control.Endpoint.Address, "--cluster-id", clusterId, "--json", "--progress", "none");

        Assert.True(result.ExitCode == ExitCodes.Success, result.ToString());
        var compared = await DataComparer.CompareAsync(servers.Source.Endpoint, target.Endpoint);
        Assert.True(compared.Identical, compared.ToString());
        AssertNoSecret(result.All, "output");
        await using var connection = await control.ConnectAsync();
        var keys = Core.Resp.RespFrame.Describe(await connection.ExecuteAsync("KEYS", "*"));
        Assert.Contains("state", keys, StringComparison.Ordinal);
        foreach (var key in keys.Split(' ').Where(k => k.Contains('/', StringComparison.Ordinal)))
        {
            var dump = await connection.ExecuteAsync("DUMP", key);
            AssertNoSecret(System.Text.Encoding.Latin1.GetString(dump), key);
        }
    }

    private static void AssertNoSecret(string text, string where)
    {
        foreach (var fragment in SecretServers.Fragments)
        {
            Assert.False(text.Contains(fragment, StringComparison.Ordinal), $"{where}: '{fragment}' appeared in: {text}");
        }
    }
}
