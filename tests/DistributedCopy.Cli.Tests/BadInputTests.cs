using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>Every bad input gets one clear line and its own exit code, and nothing is written to the target.</summary>
public sealed class BadInputTests
{
    private const string Secret = "pa55-w0rd-never-shown";

    [RedisFact]
    public async Task EachBadInputGetsItsMessageAndExitCodeAndWritesNothing()
    {
        await using var source = await RedisServer.StartAsync(new RedisServerOptions { Password = Secret });
        await using var target = await RedisCluster.StartAsync(masters: 3);
        await using var tls = await RedisServer.StartAsync(new RedisServerOptions { Tls = true });
        await new StandardDataSet(0.002).LoadAsync(source.Endpoint);
        await new StandardDataSet(0.001) { Prefix = "db5:" }.LoadAsync(source.Endpoint with { Database = 5 });
        var good = $"127.0.0.1:{source.Port},password={Secret}";
        var to = target.Endpoint.Address;
        var free = PortAllocator.Next();

        var cases = new (string[] Args, int Code, string Says)[]
        {
            (["copy", "--source", $"127.0.0.1:{free}", "--target", to], 3, $"cannot connect to 127.0.0.1:{free}"),
            (["copy", "--source", $"127.0.0.1:{source.Port},password=wrong-one", "--target", to], 4, "authentication failed"),
            (["copy", "--source", $"redis://:{Secret}@127.0.0.1:{source.Port}", "--target", $"rediss://127.0.0.1:{tls.Port}"], 3, "TLS handshake"),
            (["copy", "--source", good, "--target", to, "--target-mode", "standalone"], 2, "is a cluster, but --target-mode standalone"),
            (["copy", "--source", good, "--target", to], 2, "holds keys in databases 0, 5, but a cluster target has only database 0"),
            (["copy", "--source", good, "--target", $"redis://127.0.0.1:{target.Nodes[0].Port}/2"], 2, "has only database 0"),
            (["copy", "--source", good, "--target", to, "--db", "0", "--workers", "0"], 2, "--workers takes a number"),
            (["copy", "--source", good, "--target", to, "--policy", "overwrite"], 2, "overwrite"),
            (["copy", "--source", $"127.0.0.1:{source.Port},colour=blue,password={Secret}", "--target", to], 2, "unknown option (part 2 of the connection string)"),
            (["copy", "--source", "127.0.0.1:99999", "--target", to], 2, "invalid port"),
            (["status", "no-such-job", "--state-dir", Dcopy.StateDir()], 2, "no job no-such-job"),
        };
        foreach (var (args, code, says) in cases)
        {
            var result = await Dcopy.RunAsync(args);
            Assert.True(result.ExitCode == code, $"{string.Join(' ', args)}: {result}");
            Assert.Contains(says, result.Stderr, StringComparison.Ordinal);
            Assert.Single(result.Stderr.Trim().Split('\n'), l => l.StartsWith("dcopy:", StringComparison.Ordinal));
            Assert.DoesNotContain(Secret, result.All, StringComparison.Ordinal);
            Assert.DoesNotContain("wrong-one", result.All, StringComparison.Ordinal);
            Assert.Equal(0, await KeyCounter.DbSizeAsync(target.Endpoint));
        }

        // a target that already holds a key, under fail-on-existing: refused before any write
        await using var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(target.Endpoint));
        await mux.GetDatabase().StringSetAsync("already-here", "1");
        var existing = await Dcopy.RunAsync("copy", "--source", good, "--target", to, "--policy", "fail-on-existing");
        Assert.Equal(2, existing.ExitCode);
        Assert.Contains("already holds 1 keys (policy fail-on-existing)", existing.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, await KeyCounter.DbSizeAsync(target.Endpoint));
    }

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
