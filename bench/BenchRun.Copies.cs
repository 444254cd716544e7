using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DistributedCopy.Testing;

namespace DistributedCopy.Bench;

// BenchRun, part 8: one timed copy by the engine (in this process or another build's) and by dcopy as an operator runs it, the servers' CPU, and `bench serve`.
internal static partial class BenchRun
{
    /// <summary>
    /// The standard set on a 3-master source beside an empty 3-master target, kept up until standard input ends: for
    /// profiling a copier run by hand (`bench copy`, dcopy) on the same data over and over. Prints the addresses.
    /// </summary>
    public static async Task<int> ServeAsync(double scale, int masters)
    {
        if (RedisBinaries.EnsureInstalled(Console.Error) is { } missing)
        {
            Console.Error.WriteLine(missing);
            return BenchExitCodes.RedisMissing;
        }
        await using var source = await RedisCluster.StartAsync(masters);
        await using var target = await RedisCluster.StartAsync(masters);
        var report = await new StandardDataSet(scale).LoadAsync(source.Endpoint);
        Console.WriteLine($"source {source.Endpoint.Address} target {target.Endpoint.Address} keys {report.Total} target-masters {string.Join(",", (await target.MastersAsync()).Select(m => m.Port))} servers {string.Join(",", serverPids = [.. source.Nodes.Concat(target.Nodes).Select(n => n.Pid)])}");
        await Console.In.ReadToEndAsync();
        return BenchExitCodes.Success;
    }

    private static async Task<CopyFigures> CopyAsync(RedisEndpoint source, RedisEndpoint target, IReadOnlyDictionary<string, string> map, int pipelines, int batch, string? assembly = null, string? mode = null,
        long? bigKeyBytes = null)
    {
        var arguments = new List<string> { "copy", "--source", source.Address, "--target", target.Address, "--pipelines", pipelines.ToString(CultureInfo.InvariantCulture), "--batch", batch.ToString(CultureInfo.InvariantCulture) };
        if (bigKeyBytes is { } size)
        {
            arguments.AddRange(["--big-key-bytes", size.ToString(CultureInfo.InvariantCulture)]);
        }
        if (mode is not null)
        {
            arguments.AddRange(["--mode", mode]);
        }
        if (map.Count > 0)
        {
            arguments.AddRange(["--map", string.Join(",", map.Select(kv => kv.Key + "=" + kv.Value))]);
        }
        var serverCpu = ServerCpu();
        var line = await Children.RunAsync(arguments, assembly);
        var figures = (JsonSerializer.Deserialize<CopyFigures>(line) ?? throw new InvalidOperationException("the copy child printed no figures")) with { ServerCpuSeconds = ServerCpu() - serverCpu };
        Log($"copied {figures.Keys:N0} keys in {figures.WallSeconds:F2} s: {figures.KeysPerSecond:N0} keys/s, {figures.CpuMicrosPerKey:F2} µs CPU/key, peak RSS {figures.PeakRssBytes / 1e6:F0} MB");
        return figures;
    }

    /// <summary>The whole product on one machine: dcopy as an operator runs it, timed from outside.</summary>
    private static async Task<CopyFigures> DcopyAsync(RedisCluster source, RedisCluster target, long keys, string? directory = null, string[]? extra = null)
    {
        var state = Path.Combine(Path.GetTempPath(), "dcopy-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var serverCpu = ServerCpu();
        var (summary, _, seconds) = await RunDcopyAsync(["copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--json", "--progress", "none", "--state-dir", state, .. extra ?? []], directory);
        Directory.Delete(state, recursive: true);
        var figures = new CopyFigures(summary.GetProperty("keysCopied").GetInt64(), summary.GetProperty("bytesCopied").GetInt64(), summary.GetProperty("keysVanished").GetInt64(),
            summary.GetProperty("errors").GetInt64(), seconds,
            summary.TryGetProperty("cpuSeconds", out var cpu) ? cpu.GetDouble() : 0, summary.TryGetProperty("peakRssBytes", out var rss) ? rss.GetInt64() : 0)
        {
            ServerCpuSeconds = ServerCpu() - serverCpu,
        };
        Log($"dcopy copied {figures.Keys:N0} keys in {figures.WallSeconds:F2} s wall (process start and silo start included): {figures.KeysPerSecond:N0} keys/s, {figures.CpuSeconds:F2} s CPU, peak RSS {figures.PeakRssBytes / 1e6:F0} MB");
        return figures;
    }

    private static string? dcopyDirectory;

    /// <summary>The source's and the target's server processes, whose CPU each copy row reports.</summary>
    private static int[] serverPids = [];

    private static double ServerCpu() => serverPids.Sum(pid => File.Exists($"/proc/{pid}/stat") ? CpuSeconds(pid) : 0);

    /// <summary>
    /// dcopy (from <paramref name="directory"/>, else the one --dcopy-dir names, else this build's) run to its end, timed from
    /// outside, 30 minutes at most: its last JSON line (default when it printed none), its stderr and the wall seconds.
    /// </summary>
    private static async Task<(JsonElement Summary, string Stderr, double Seconds)> RunDcopyAsync(string[] arguments, string? directory = null)
    {
        // a self-contained publish runs by its own executable (with its runtime); any other by dotnet
        var folder = directory ?? dcopyDirectory ?? AppContext.BaseDirectory;
        var selfContained = File.Exists(Path.Combine(folder, "libcoreclr.so"));
        var start = new ProcessStartInfo(selfContained ? Path.Combine(folder, "dcopy") : "dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in selfContained ? arguments : [Path.Combine(folder, "dcopy.dll"), .. arguments])
        {
            start.ArgumentList.Add(arg);
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start dcopy");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(30)))
        {
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"dcopy {arguments[0]} did not end within 30 minutes");
            }
        }
        clock.Stop();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dcopy {arguments[0]} failed with {process.ExitCode}: {await stderr}");
        }
        var output = (await stdout).Trim();
        return (output.Length > 0 ? JsonDocument.Parse(output.Split('\n')[^1]).RootElement.Clone() : default, await stderr, clock.Elapsed.TotalSeconds);
    }

    private static async Task FlushAsync(RedisCluster cluster)
    {
        foreach (var master in await cluster.MastersAsync())
        {
            await master.ExecuteAsync("FLUSHALL");
        }
    }

    internal static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
