using System.Diagnostics;
using DistributedCopy.Silo;

namespace DistributedCopy.Cli.Tests;

/// <summary>The silo host's command line, run as a process: help, and bad input refused in one line before anything starts.</summary>
public sealed class SiloHostTests
{
    private const string Password = "Sup3r,S3cret@Zq9v";

    public static TheoryData<string, string[], string> BadInputs => new()
    {
        { "an unknown option", ["--control", "127.0.0.1:1", "--bogus", "1"], "--bogus" },
        { "no control at all", [], "--control <redis> is required" },
        { "a failover mode that does not exist", ["--control", "127.0.0.1:1", "--failover", "sometimes"], "sometimes" },
        { "a port that is not a number", ["--control", "127.0.0.1:1", "--silo-port", "abc"], "abc" },
        { "a port out of range", ["--control", "127.0.0.1:1", "--gateway-port", "70000"], "port number" },
        { "an address that is not one", ["--control", "127.0.0.1:1", "--advertise", "nowhere"], "IP address" },
        { "a password file that is missing", ["--control", "127.0.0.1:1", "--control-password-file", "/nonexistent/dcopy-pw"], "cannot be read" },
        { "a password variable that is unset", ["--control", "127.0.0.1:1", "--control-password-env", "DCOPY_TEST_UNSET_VARIABLE"], "is not set" },
        { "a bad option after a password", ["--control", "127.0.0.1:1,password=" + Password, "--failover", "never"], "never" },
        // a URI is read as dcopy reads it (it was refused once): the error is the next option's
        { "a bad option after a URI", ["--control", "redis://copier:" + Uri.EscapeDataString(Password) + "@127.0.0.1:1", "--failover", "never"], "never" },
        { "a URI that is not one", ["--control", "redis://copier:" + Password + "@127.0.0.1:1"], "with --control-password-env or --control-password-file" },
    };

    [Fact]
    public async Task HelpListsEveryOptionAndExitsWithSuccess()
    {
        var (exitCode, stdout, _) = await RunAsync("--help");

        Assert.Equal(SiloExitCodes.Success, exitCode);
        foreach (var option in new[] { "--control", "--control-password-file", "--control-password-env", "--cluster-id", "--silo-port", "--gateway-port", "--advertise", "--failover", "--dashboard-port" })
        {
            Assert.Contains(option, stdout, StringComparison.Ordinal);
        }
        Assert.Contains("DCOPY_SILO_PORT", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task BadInputExitsWithBadInputInOneLineBeforeAnythingStarts(string description, string[] args, string expected)
    {
        var (exitCode, stdout, stderr) = await RunAsync(args);

        Assert.True(exitCode == SiloExitCodes.BadInput, $"{description}: exit {exitCode}, {stderr}");
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"{description}: {stderr}");
        Assert.StartsWith("dcopy-silo: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("silo ready", stdout, StringComparison.Ordinal);
        foreach (var piece in Password.Split(',', '@'))
        {
            Assert.DoesNotContain(piece, stdout + stderr, StringComparison.Ordinal);
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(typeof(SiloExitCodes).Assembly.Location);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // nothing from this machine's environment may stand in for what a case leaves out
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("DCOPY_", StringComparison.Ordinal) || k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the silo host");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the silo host did not exit within 60 s: " + string.Join(' ', args));
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
