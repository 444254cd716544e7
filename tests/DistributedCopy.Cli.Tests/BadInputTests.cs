using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>Every bad input gets one clear line and its own exit code, and nothing is written to the target.</summary>
public sealed class BadInputTests(BadInputServers servers) : IClassFixture<BadInputServers>
{
    private const string Secret = BadInputServers.Secret;

    /// <summary>
    /// One row a bad input: {good} the source with its password, {src} the source's port, {to} the target cluster,
    /// {node} its first node's port, {tls} the TLS server's port, {free} a port nobody listens on, {pw} the password.
    /// </summary>
    public static TheoryData<string, string[], int, string> Cases => new()
    {
        { "nobody listens", ["copy", "--source", "127.0.0.1:{free}", "--target", "{to}"], ExitCodes.CannotConnect, "cannot connect to 127.0.0.1:{free}" },
        { "a wrong password", ["copy", "--source", "127.0.0.1:{src},password=wrong-one", "--target", "{to}"], ExitCodes.AuthFailed, "authentication failed" },
        { "TLS to a server without it", ["copy", "--source", "redis://:{pw}@127.0.0.1:{src}", "--target", "rediss://127.0.0.1:{tls}"], ExitCodes.CannotConnect, "TLS handshake" },
        { "a shape other than asked", ["copy", "--source", "{good}", "--target", "{to}", "--target-mode", "standalone"], ExitCodes.BadInput, "is a cluster, but --target-mode standalone" },
        { "databases a cluster cannot take", ["copy", "--source", "{good}", "--target", "{to}"], ExitCodes.BadInput, "holds keys in databases 0, 5, but a cluster target has only database 0" },
        { "a database of a cluster", ["copy", "--source", "{good}", "--target", "redis://127.0.0.1:{node}/2"], ExitCodes.BadInput, "has only database 0" },
        { "no workers", ["copy", "--source", "{good}", "--target", "{to}", "--db", "0", "--workers", "0"], ExitCodes.BadInput, "--workers takes a number" },
        { "a policy that does not exist", ["copy", "--source", "{good}", "--target", "{to}", "--policy", "overwrite"], ExitCodes.BadInput, "overwrite" },
        { "a progress mode that does not exist", ["copy", "--source", "{good}", "--target", "{to}", "--progress", "fancy"], ExitCodes.BadInput, "fancy" },
        { "an unknown connection option", ["copy", "--source", "127.0.0.1:{src},colour=blue,password={pw}", "--target", "{to}"], ExitCodes.BadInput, "unknown option (part 2 of the connection string)" },
        { "a port out of range", ["copy", "--source", "127.0.0.1:99999", "--target", "{to}"], ExitCodes.BadInput, "invalid port" },
        { "a rename whose regex does not parse", ["copy", "--source", "{good}", "--target", "{to}", "--db", "0", "--rename", "(unclosed=x"], ExitCodes.BadInput, "--rename '(unclosed=x': the regex is not valid" },
        { "a rename that names two keys one", ["copy", "--source", "{good}", "--target", "{to}", "--db", "0", "--rename", ".*=same"], ExitCodes.BadInput, "would both be named same on the target" },
        { "a database map into a database a cluster lacks", ["copy", "--source", "{good}", "--target", "{to}", "--db-map", "5=1"], ExitCodes.BadInput, "has no database 1 (a cluster has only database 0)" },
        { "a database map from a database the source lacks", ["copy", "--source", "{good}", "--target", "{to}", "--db-map", "99=0"], ExitCodes.BadInput, "has no database 99" },
        { "a type that does not exist", ["copy", "--source", "{good}", "--target", "{to}", "--db", "0", "--type", "hash,document"], ExitCodes.BadInput, "--type document: the types are string, list, set, zset, hash, stream" },
        { "a job that does not exist", ["status", "no-such-job", "--state-dir", "{state}"], ExitCodes.BadInput, "no job no-such-job" },
    };

    [RedisTheory]
    [MemberData(nameof(Cases))]
    public async Task EachBadInputGetsItsMessageAndExitCodeAndWritesNothing(string description, string[] template, int code, string says)
    {
        var args = template.Select(Fill).ToArray();

        var result = await Dcopy.RunAsync(args);

        Assert.True(result.ExitCode == code, $"{description}: {string.Join(' ', args)}: {result}");
        Assert.Contains(Fill(says), result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Trim().Split('\n'), l => l.StartsWith("dcopy:", StringComparison.Ordinal));
        Assert.DoesNotContain(Secret, result.All, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-one", result.All, StringComparison.Ordinal);
        Assert.Equal(0, await KeyCounter.DbSizeAsync(servers.Target.Endpoint));
    }

    [RedisFact]
    public async Task ATargetThatHoldsAKeyIsRefusedUnderFailOnExistingBeforeAnyWrite()
    {
        await using var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(servers.Target.Endpoint));
        await mux.GetDatabase().StringSetAsync("already-here", "1");
        try
        {
            var existing = await Dcopy.RunAsync("copy", "--source", Fill("{good}"), "--target", servers.Target.Endpoint.Address, "--policy", "fail-on-existing");

            Assert.True(existing.ExitCode == ExitCodes.BadInput, existing.ToString());
            Assert.Contains("already holds 1 keys (policy fail-on-existing)", existing.Stderr, StringComparison.Ordinal);
            Assert.Equal(1, await KeyCounter.DbSizeAsync(servers.Target.Endpoint));
        }
        finally
        {
            // the other cases count on an empty target
            await mux.GetDatabase().KeyDeleteAsync("already-here");
        }
    }

    private string Fill(string text) => text
        .Replace("{good}", $"127.0.0.1:{servers.Source.Port},password={Secret}", StringComparison.Ordinal)
        .Replace("{src}", servers.Source.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{to}", servers.Target.Endpoint.Address, StringComparison.Ordinal)
        .Replace("{node}", servers.Target.Nodes[0].Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{tls}", servers.Tls.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{free}", servers.FreePort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("{pw}", Secret, StringComparison.Ordinal)
        .Replace("{state}", Dcopy.StateDir(), StringComparison.Ordinal);

    [RedisFact]
    public async Task ACopyWithAPasswordShowsThePasswordNowhere()
    {
        await using var source = await RedisServer.StartAsync(new RedisServerOptions { Password = Secret });
        await using var target = await RedisServer.StartAsync(new RedisServerOptions { Password = Secret + "-target" });
        var report = await new StandardDataSet(0.005).LoadAsync(source.Endpoint);

        var result = await Dcopy.RunAsync("copy", "--source", $"127.0.0.1:{source.Port},password={Secret}", "--target", $"redis://default:{Secret}-target@127.0.0.1:{target.Port}",
            "--verify", "--json", "--progress", "log", "--interval", "0.2", "--state-dir", Dcopy.StateDir());

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(report.Total, result.Json.GetProperty("keysCopied").GetInt64());
        Assert.DoesNotContain(Secret, result.All, StringComparison.Ordinal);
        Assert.Equal(report.ByType, await KeyCounter.CountByTypeAsync(target.Endpoint));
    }

    [RedisFact]
    public async Task ACopyOverTlsWithAnAclUserAndAPasswordSucceeds()
    {
        var options = new RedisServerOptions { Tls = true, AclUser = "copier", AclPassword = Secret };
        await using var source = await RedisServer.StartAsync(options);
        await using var target = await RedisServer.StartAsync(options);
        var report = await new StandardDataSet(0.005).LoadAsync(source.Endpoint);

        var result = await Dcopy.RunAsync("copy",
            "--source", $"127.0.0.1:{source.Port},ssl=True,user=copier,password={Secret}", "--source-ca", source.Endpoint.CaCertificatePath!,
            "--target", $"rediss://copier:{Secret}@127.0.0.1:{target.Port}", "--target-ca", target.Endpoint.CaCertificatePath!,
            "--verify", "--json", "--progress", "none", "--state-dir", Dcopy.StateDir());

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(report.Total, result.Json.GetProperty("keysCopied").GetInt64());
        Assert.Equal(0, result.Json.GetProperty("verify").GetProperty("missing").GetInt64());
        Assert.DoesNotContain(Secret, result.All, StringComparison.Ordinal);
        Assert.Equal(report.ByType, await KeyCounter.CountByTypeAsync(target.Endpoint));
    }
}
