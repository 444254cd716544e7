using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DistributedCopy.Testing;

namespace DistributedCopy.Bench;

// BenchRun, part 6: the same job on 1, 2 and 3 silos, each in a network namespace of its own (a host of its own, a bridge
// between them, the servers on the bench's side), then on 3 with one silo's link cut mid-job: keys/s, each silo's share
// of the keys and its CPU, and for the cut, how long the job took to end after it.
internal static partial class BenchRun
{
    private static async Task<List<string>> HostsRowsAsync(double scale)
    {
        await using var lab = await NetworkLab.StartAsync(hosts: 3);
        var reachable = new RedisServerOptions { ExtraConfig = [$"bind 127.0.0.1 {lab.RootAddress}", "protected-mode no", $"cluster-announce-ip {lab.RootAddress}"] };
        await using var control = await RedisServer.StartAsync(reachable);
        await using var source = await RedisCluster.StartAsync(masters: 3, options: reachable);
        await using var target = await RedisCluster.StartAsync(masters: 3, options: reachable);
        var report = await new StandardDataSet(scale).LoadAsync(source.Endpoint);
        Log($"separate hosts: loaded {report.Total:N0} keys");
        var lines = new List<string>();
        foreach (var (silos, cut) in new[] { (1, false), (2, false), (3, false), (3, true) })
        {
            await FlushAsync(target);
            lines.Add(await HostsRunAsync(lab, control, source, target, report.Total, silos, cut));
            Log(lines[^1]);
        }
        return lines;
    }

    private static async Task<string> HostsRunAsync(NetworkLab lab, RedisServer control, RedisCluster source, RedisCluster target, long keys, int count, bool cut)
    {
        var clusterId = "b" + Guid.NewGuid().ToString("N")[..8];
        var controlAddress = $"{lab.RootAddress}:{control.Port}";
        var silos = await Task.WhenAll(Enumerable.Range(0, count).Select(h => SiloProcess.StartAsync(controlAddress, clusterId, lab: lab, host: h)));
        string[] host = ["--control", controlAddress, "--cluster-id", clusterId];
        var job = "hosts-" + clusterId;
        try
        {
            var cpu = silos.Select(CpuSeconds).ToArray();
            var clock = Stopwatch.StartNew();
            // the cut run goes slower (small batches, one pipeline) so the cut lands mid-job
            string[] pace = cut ? ["--batch-size", "10", "--pipelines", "1"] : [];
            await RunDcopyAsync(["copy", "--source", $"{lab.RootAddress}:{source.Nodes[0].Port}", "--target", $"{lab.RootAddress}:{target.Nodes[0].Port}",
                "--job-id", job, "--workers", "6", "--detach", .. pace, .. host]);
            // progress is watched on the target (a status call is a dcopy process: a second of CPU each, on 2 cores)
            TimeSpan? cutAt = null;
            while (await KeyCounter.DbSizeAsync(target.Endpoint) < keys)
            {
                await Task.Delay(100);
                if (clock.Elapsed > TimeSpan.FromMinutes(5))
                {
                    throw new InvalidOperationException("the job on separate hosts did not copy every key");
                }
                if (cut && cutAt is null && await KeyCounter.DbSizeAsync(target.Endpoint) >= keys / 3)
                {
                    await lab.CutAsync(0);
                    cutAt = clock.Elapsed;
                }
            }
            var copied = clock.Elapsed.TotalSeconds;
            JsonElement status;
            while (true)
            {
                var (json, text, _) = await RunDcopyAsync(["status", job, "--json", .. host]);
                status = json;
                if (text.Contains($"job {job}: completed", StringComparison.Ordinal))
                {
                    break;
                }
                if (clock.Elapsed > TimeSpan.FromMinutes(5))
                {
                    throw new InvalidOperationException("the job on separate hosts did not complete: " + text);
                }
                await Task.Delay(500);
            }
            var wall = copied;
            var bySilo = status.GetProperty("keysBySilo").EnumerateObject().ToList();
            var shares = string.Join(", ", silos.Select((s, i) =>
                $"host {i + 1} {bySilo.Where(b => s.Is(b.Name)).Sum(b => b.Value.GetInt64()) * 100.0 / Math.Max(1, keys):F0} % of the keys, {CpuSeconds(s) - cpu[i]:F2} s CPU"));
            var onTarget = await KeyCounter.DbSizeAsync(target.Endpoint);
            return string.Create(CultureInfo.InvariantCulture,
                $"{count} silo(s) on separate hosts{(cut ? ", host 1's link cut at a third of the keys" : "")}: {keys / wall:N0} keys/s ({wall:F2} s from the job's start to the last key on the target{(cut ? ", batches of 10, one pipeline" : "")}); {shares}"
                + $"{(cutAt is { } at ? $"; cut at {at.TotalSeconds:F1} s, every key on the target {wall - at.TotalSeconds:F1} s after it, the job completed {clock.Elapsed.TotalSeconds - at.TotalSeconds:F1} s after it" : "")}; target {onTarget:N0}{(onTarget == keys ? " = source" : " ≠ source")}.");
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>The process's user and system CPU (from /proc), in seconds.</summary>
    private static double CpuSeconds(SiloProcess silo) => CpuSeconds(silo.Pid);

    /// <summary>A process's user and system CPU (from /proc), in seconds.</summary>
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }
}
