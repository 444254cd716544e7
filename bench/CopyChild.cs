using System.Diagnostics;
using System.Text.Json;
using DistributedCopy.Core;

namespace DistributedCopy.Bench;

/// <summary>The copier in a process of its own, so its CPU time and peak RSS are its own: prints one JSON line of figures.</summary>
internal static class CopyChild
{
    public static async Task<int> RunAsync(string source, string target, IReadOnlyDictionary<string, string> map, int pipelines, int batch, CopyMode mode = CopyMode.Auto, long? bigKeyBytes = null)
    {
        var options = new CopyOptions { AddressMap = map, PipelinesPerShard = pipelines, BatchSize = batch, Mode = mode };
        options = bigKeyBytes is { } size ? options with { BigKeyBytes = size } : options;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await using var engine = await CopyEngine.OpenAsync(Parse(source), Parse(target), options);
        await engine.CopyAllAsync();
        clock.Stop();
        var result = new CopyFigures(
            engine.Progress.KeysCopied, engine.Progress.BytesCopied, engine.Progress.KeysVanished, engine.Progress.Errors,
            clock.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds, PeakRssBytes());
        Console.WriteLine(JsonSerializer.Serialize(result));
        return BenchExitCodes.Success;
    }

    public static RedisEndpoint Parse(string address)
    {
        var colon = address.LastIndexOf(':');
        return new RedisEndpoint(address[..colon], int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static long PeakRssBytes()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
