using System.Diagnostics;
using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

public static class Dcopy
{
    public static Task<DcopyResult> RunAsync(params string[] arguments) => RunAsync(new Dictionary<string, string>(), arguments);

    /// <summary>Runs dcopy with <paramref name="environment"/> added to its environment (passwords from variables).</summary>
    public static async Task<DcopyResult> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        using var process = Start(environment, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        return new DcopyResult(process.ExitCode, await stdout, await stderr);
    }

    public static Process Start(params string[] arguments) => Start(new Dictionary<string, string>(), arguments);

    /// <summary>
    /// Waits until <paramref name="target"/> holds <paramref name="keys"/> keys while <paramref name="copy"/> runs (at most
    /// <paramref name="seconds"/>), so a fault comes in the middle of the copy; fails if the copy ended first.
    /// </summary>
    public static async Task WaitForTargetAsync(Process copy, Core.Cluster.RedisEndpoint target, long keys, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (await KeyCounter.DbSizeAsync(target) < keys && DateTime.UtcNow < deadline && !copy.HasExited)
        {
            await Task.Delay(50);
        }
        Assert.False(copy.HasExited, "the copy ended before the fault");
    }

    public static Process Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "dcopy.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start dcopy");
        ProcessRegistry.Add(process);
        return process;
    }

    public static string StateDir() => Path.Combine(Path.GetTempPath(), "dcopy-tests", "state-" + Guid.NewGuid().ToString("N")[..10]);

    public static string Address(RedisCluster cluster) => cluster.Endpoint.Address;
}
