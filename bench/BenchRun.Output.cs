using System.Globalization;
using System.Text;
using System.Text.Json;
using DistributedCopy.Testing;

namespace DistributedCopy.Bench;

// BenchRun, part 2: the rows and how they are written (bench/results/bench.md and bench.json).
internal static partial class BenchRun
{
    private static void Write(List<Row> rows, string output, double scale, double latency, params string?[] lines)
    {
        var baseline = rows.First(r => r.Name.StartsWith("one key at a time", StringComparison.Ordinal)).KeysPerSecond;
        var engineBefore = rows.FirstOrDefault(r => r.Name.StartsWith("the same engine as built at", StringComparison.Ordinal));
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Standard data set at scale {scale}; {Environment.ProcessorCount} cores; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        text.AppendLine();
        text.AppendLine("| copier | keys/s | × one-key loop | MB/s | wall s | client CPU s | CPU µs/key | server CPU µs/key | peak RSS MB | target keys |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var row in rows)
        {
            var f = row.Figures;
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {row.Name} | {row.KeysPerSecond:N0} | {row.KeysPerSecond / baseline:F1} | {(f is null ? "" : f.MegabytesPerSecond.ToString("F1", CultureInfo.InvariantCulture))} | {(f is null ? "" : f.WallSeconds.ToString("F2", CultureInfo.InvariantCulture))} | {(f is not { CpuSeconds: > 0 } ? "" : f.CpuSeconds.ToString("F2", CultureInfo.InvariantCulture))} | {(f is not { CpuSeconds: > 0 } ? "" : f.CpuMicrosPerKey.ToString("F2", CultureInfo.InvariantCulture))} | {(f is not { ServerCpuSeconds: > 0 } ? "" : f.ServerMicrosPerKey.ToString("F2", CultureInfo.InvariantCulture))} | {(f is not { PeakRssBytes: > 0 } ? "" : (f.PeakRssBytes / 1e6).ToString("F0", CultureInfo.InvariantCulture))} | {row.CountText} |");
        }
        var local = rows[0];
        if (rows.FirstOrDefault(r => r.Name.StartsWith("C two-phase copier", StringComparison.Ordinal)) is { Figures: { } c } cRow)
        {
            // the goals are ratios to the C copier of the same run: keys/s, and the servers' CPU a key
            foreach (var row in rows.Where(r => r.Figures is { Keys: > 0 } f2 && f2.Keys == c.Keys && r != cRow && !r.Name.Contains("through the", StringComparison.Ordinal) && !r.Name.Contains("standalone", StringComparison.Ordinal)))
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"{row.Name}: {row.KeysPerSecond / cRow.KeysPerSecond:F2} × the C copier's keys/s, servers' CPU a key {row.Figures!.ServerMicrosPerKey / c.ServerMicrosPerKey:F2} × its, total CPU a key {row.Figures.CpuMicrosPerKey + row.Figures.ServerMicrosPerKey:F2} µs vs {c.CpuMicrosPerKey + c.ServerMicrosPerKey:F2} µs.");
            }
            text.AppendLine();
        }
        var remote = rows.FirstOrDefault(r => r.Name.Contains("through the", StringComparison.Ordinal) && r.Figures is not null);
        if (remote is not null)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"Through the forwarder at {latency} ms each way: {remote.KeysPerSecond / local.KeysPerSecond:F2} × the loopback rate.");
        }
        if (rows.FirstOrDefault(r => r.Name.Contains("--mode typed", StringComparison.Ordinal)) is { } typed)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Typed path vs the dump path on the same data: {typed.KeysPerSecond / local.KeysPerSecond:F2} ×.");
        }
        foreach (var chunked in rows.Where(r => r.Name.StartsWith("big key in chunks: ", StringComparison.Ordinal) && r.Figures is not null))
        {
            var what = chunked.Name["big key in chunks: ".Length..];
            var dump = rows.FirstOrDefault(r => r.Name.EndsWith("): " + what, StringComparison.Ordinal));
            var line = FormattableString.Invariant($"Big key, {what}: {chunked.Figures!.MegabytesPerSecond:F1} MB/s in chunks, peak RSS {chunked.Figures.PeakRssBytes / 1e6:F0} MB");
            line += dump?.Figures is { } d
                ? FormattableString.Invariant($"; one DUMP: {d.MegabytesPerSecond:F1} MB/s, peak RSS {d.PeakRssBytes / 1e6:F0} MB; chunks/DUMP {d.WallSeconds / chunked.Figures.WallSeconds:F2} × the speed (by wall time), {(double)chunked.Figures.PeakRssBytes / d.PeakRssBytes:F2} × the RSS.")
                : "; no DUMP baseline: its payload is over the target's proto-max-bulk-len (512 MB).";
            text.AppendLine(line);
        }
        foreach (var line in lines.OfType<string>())
        {
            text.AppendLine(line);
        }
        if (engineBefore is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Engine now vs {engineBefore.Name[28..]}: {local.KeysPerSecond / engineBefore.KeysPerSecond:F2} × its keys/s.");
        }
        var import = rows.FirstOrDefault(r => r.Name.StartsWith("redis-cli", StringComparison.Ordinal));
        if (import is not null)
        {
            var subset = rows.First(r => r.Name.StartsWith("DistributedCopy engine, standalone", StringComparison.Ordinal));
            text.AppendLine(CultureInfo.InvariantCulture, $"Engine standalone → cluster vs redis-cli --cluster import on the same keys: {subset.KeysPerSecond / import.KeysPerSecond:F1} ×.");
        }
        Console.WriteLine();
        Console.WriteLine(text);
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "bench.md"), text.ToString());
        File.WriteAllText(Path.Combine(output, "bench.json"), JsonSerializer.Serialize(new { scale, latency, rows = rows.Select(r => new { r.Name, r.KeysPerSecond, r.Figures, r.TargetKeys, r.ExpectedKeys }) }, new JsonSerializerOptions { WriteIndented = true }));
        Log($"wrote {Path.Combine(output, "bench.md")} and bench.json");
    }

    private static CopyFigures Median(List<CopyFigures> runs) => runs.OrderBy(r => r.KeysPerSecond).ElementAt(runs.Count / 2);

    private sealed record Row(string Name, CopyFigures? Figures, double Rate, long? TargetKeys = null, long? ExpectedKeys = null)
    {
        public Row(string name, CopyFigures figures, long targetKeys, long expected) : this(name, figures, figures.KeysPerSecond, targetKeys, expected)
        {
        }

        public Row(string name, double rate) : this(name, null, rate)
        {
        }

        public double KeysPerSecond => Rate;

        public bool CountMatches => TargetKeys is null || TargetKeys == ExpectedKeys;

        public string CountText => TargetKeys is null ? "" : TargetKeys == ExpectedKeys ? $"{TargetKeys:N0} = source" : $"{TargetKeys:N0} ≠ {ExpectedKeys:N0}";
    }
}
