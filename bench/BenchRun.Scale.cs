using System.Globalization;
using DistributedCopy.Testing;

namespace DistributedCopy.Bench;

// BenchRun, part: the fixed and the marginal cost (--marginal SCALE) and many shards (--wide MASTERS).
internal static partial class BenchRun
{
    /// <summary>
    /// Loads more of the standard set (under another prefix) until the source holds <paramref name="total"/> × the set, then
    /// copies it again with the engine and with dcopy: two sizes of one run, so CPU a key splits into a fixed part and a
    /// marginal one (the slope between the two sizes), and peak RSS shows whether it grows with the keys.
    /// </summary>
    private static async Task<string> MarginalRowsAsync(RedisCluster source, RedisCluster target, double scale, double total, CopyFigures engine, CopyFigures? dcopy, List<Row> rows,
        int pipelines, int batch)
    {
        var more = await new StandardDataSet(total - scale) { Prefix = "m:" }.LoadAsync(source.Endpoint);
        var keys = engine.Keys + more.Total;
        Log($"loaded {more.Total:N0} more keys: {keys:N0} on the source");
        await FlushAsync(target);
        var bigEngine = await CopyAsync(source.Endpoint, target.Endpoint, new Dictionary<string, string>(), pipelines, batch);
        rows.Add(new Row($"DistributedCopy engine, cluster → cluster, {keys:N0} keys", bigEngine, await KeyCounter.DbSizeAsync(target.Endpoint), keys));
        var text = Split("engine", engine, bigEngine);
        if (dcopy is not null)
        {
            await FlushAsync(target);
            var bigDcopy = await DcopyAsync(source, target, keys);
            rows.Add(new Row($"dcopy copy, {keys:N0} keys", bigDcopy, await KeyCounter.DbSizeAsync(target.Endpoint), keys));
            text += "\n" + Split("dcopy", dcopy, bigDcopy);
        }
        return text;

        static string Split(string what, CopyFigures small, CopyFigures big)
        {
            var marginal = (big.CpuSeconds - small.CpuSeconds) / (big.Keys - small.Keys);
            var fixedCost = small.CpuSeconds - marginal * small.Keys;
            return FormattableString.Invariant(
                $"{what}: {marginal * 1e6:F2} µs of CPU a key at the margin ({small.Keys:N0} → {big.Keys:N0} keys: {small.CpuSeconds:F2} → {big.CpuSeconds:F2} s), {fixedCost:F2} s fixed; peak RSS {small.PeakRssBytes / 1e6:F0} → {big.PeakRssBytes / 1e6:F0} MB; {small.KeysPerSecond:N0} → {big.KeysPerSecond:N0} keys/s.");
        }
    }

    /// <summary>The standard set at <paramref name="scale"/> copied between two clusters of <paramref name="masters"/> masters each, by the engine and by dcopy.</summary>
    private static async Task<string> WideRowsAsync(int masters, double scale, List<Row> rows, int pipelines, int batch, bool withDcopy)
    {
        Log($"starting a {masters}-master source and a {masters}-master target cluster");
        await using var source = await RedisCluster.StartAsync(masters);
        await using var target = await RedisCluster.StartAsync(masters);
        var saved = serverPids;
        serverPids = [.. source.Nodes.Concat(target.Nodes).Select(n => n.Pid)];
        try
        {
            var report = await new StandardDataSet(scale).LoadAsync(source.Endpoint);
            var engine = await CopyAsync(source.Endpoint, target.Endpoint, new Dictionary<string, string>(), pipelines, batch);
            rows.Add(new Row($"DistributedCopy engine, {masters} → {masters} masters", engine, await KeyCounter.DbSizeAsync(target.Endpoint), report.Total));
            var text = FormattableString.Invariant($"{masters} → {masters} masters, {report.Total:N0} keys: engine {engine.KeysPerSecond:N0} keys/s, peak RSS {engine.PeakRssBytes / 1e6:F0} MB");
            if (withDcopy)
            {
                await FlushAsync(target);
                var dcopy = await DcopyAsync(source, target, report.Total);
                rows.Add(new Row($"dcopy copy, {masters} → {masters} masters", dcopy, await KeyCounter.DbSizeAsync(target.Endpoint), report.Total));
                text += FormattableString.Invariant($"; dcopy {dcopy.KeysPerSecond:N0} keys/s, {dcopy.CpuMicrosPerKey:F2} µs CPU a key, peak RSS {dcopy.PeakRssBytes / 1e6:F0} MB");
            }
            return text + ".";
        }
        finally
        {
            serverPids = saved;
        }
    }
}
