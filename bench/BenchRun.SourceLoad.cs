using System.Globalization;
using DistributedCopy.Testing;

namespace DistributedCopy.Bench;

// BenchRun, part: the source under an application's reads while dcopy copies it (--source-load).
internal static partial class BenchRun
{
    /// <summary>
    /// 2,000 GETs a second on the source's strings, timed one by one: their p50/p99 with no copy, during a dcopy copy with
    /// no limit, during one at --max-rate (half the unlimited copy's rate) and during one with --max-source-latency.
    /// </summary>
    private static async Task<string> SourceLoadRowsAsync(RedisCluster source, RedisCluster target, StandardDataSet set, long keys, double maxSourceLatencyMs)
    {
        const int readsPerSecond = 2000;
        await using var reader = await LoadReader.StartAsync(source.Endpoint, set, (int)Math.Min(1_000_000, keys), readsPerSecond);
        await Task.Delay(TimeSpan.FromSeconds(5));
        reader.Take();
        await Task.Delay(TimeSpan.FromSeconds(5));
        var quiet = reader.Take();
        var rows = new List<string> { Line("no copy", quiet, null) };

        await FlushAsync(target);
        reader.Take();
        var free = await DcopyAsync(source, target, keys);
        rows.Add(Line("dcopy copy, no limit", reader.Take(), free));

        var cap = (int)(free.KeysPerSecond / 2);
        await FlushAsync(target);
        reader.Take();
        var capped = await DcopyAsync(source, target, keys, extra: ["--max-rate", cap.ToString(CultureInfo.InvariantCulture)]);
        rows.Add(Line($"dcopy copy --max-rate {cap:N0} (half the unlimited rate)", reader.Take(), capped));

        await FlushAsync(target);
        reader.Take();
        var adaptive = await DcopyAsync(source, target, keys, extra: ["--max-source-latency", maxSourceLatencyMs.ToString(CultureInfo.InvariantCulture)]);
        rows.Add(Line($"dcopy copy --max-source-latency {maxSourceLatencyMs}", reader.Take(), adaptive));

        return $"An application's reads on the source ({readsPerSecond:N0} GETs/s, one at a time per master, timed from when each was due), "
            + $"{keys:N0} keys copied to an empty target each time:\n\n| while | GET p50 ms | GET p99 ms | GET max ms | copy keys/s | copy wall s |\n|---|---:|---:|---:|---:|---:|\n"
            + string.Join("\n", rows);

        static string Line(string what, List<double> latencies, CopyFigures? copy) => FormattableString.Invariant(
            $"| {what} | {LoadReader.Percentile(latencies, 0.5):F2} | {LoadReader.Percentile(latencies, 0.99):F2} | {(latencies.Count == 0 ? 0 : latencies[^1]):F2} | {(copy is null ? "" : copy.KeysPerSecond.ToString("N0", CultureInfo.InvariantCulture))} | {(copy is null ? "" : copy.WallSeconds.ToString("F2", CultureInfo.InvariantCulture))} |");
    }
}
