using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using DistributedCopy.Testing;

namespace DistributedCopy.AppHost.Tests;

/// <summary>The demo as README runs it: the AppHost as a process, on Aspire's orchestrator, to its job's exit code.</summary>
public sealed partial class AppHostTests
{
    [RedisFact]
    public async Task TheDemoExitsZeroWithAVerifiedCopyAndStopsEveryServerItStarted()
    {
        var (exit, stdout, stderr) = await RunAsync();

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        // stdout is the job's output alone, its JSON summary last
        var summary = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("completed", summary.GetProperty("phase").GetString());
        var planned = summary.GetProperty("keysPlanned").GetInt64();
        Assert.InRange(planned, 50_000, 60_000);
        Assert.Equal(planned, summary.GetProperty("keysCopied").GetInt64());
        Assert.Equal(planned, summary.GetProperty("verify").GetProperty("compared").GetInt64());
        Assert.Equal(0, summary.GetProperty("verify").GetProperty("missing").GetInt64());
        Assert.Equal(0, summary.GetProperty("verify").GetProperty("valueMismatch").GetInt64());
        Assert.Matches(@"apphost: dashboard http://localhost:\d+", stderr);
        // three silos joined the job's cluster, on mutual TLS (the demo's migration has WithSiloTls)
        Assert.Equal(3, SiloReady().Matches(stderr).Select(m => m.Groups[1].Value).Distinct().Count());

        // the servers the job named (source and target seeds) and the control no longer listen once the AppHost has exited
        var ports = RedisPort().Matches(stderr).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToList();
        Assert.Equal(2, ports.Count);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (ports.Any(Listens) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
        }
        Assert.All(ports, port => Assert.False(Listens(port), $"a server still listens on {port}"));
    }

    [Fact]
    public async Task AnUnknownOptionExitsWithTheAppHostsOwnBadInputCodeAndStartsNothing()
    {
        var (exit, stdout, stderr) = await RunAsync("--bogus");

        Assert.True(exit == AppHostExitCodes.BadInput, $"exit {exit}: {stderr}");
        Assert.StartsWith("apphost: unexpected argument '--bogus'", stderr.Trim(), StringComparison.Ordinal);
        Assert.Equal("", stdout);
    }

    internal static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root() };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "DistributedCopy.AppHost.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        ProcessRegistry.Add(process);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    internal static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DistributedCopy.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("no DistributedCopy.sln above the test folder");
    }

    private static bool Listens(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"silo ready: (127\.0\.0\.1:\d+) .*, mutual TLS")]
    private static partial Regex SiloReady();

    [GeneratedRegex(@"redis://127\.0\.0\.1:(\d+) \(cluster")]
    private static partial Regex RedisPort();
}
