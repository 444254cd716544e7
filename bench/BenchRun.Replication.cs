using System.Diagnostics;
using System.Globalization;
using DistributedCopy.Core.Cluster;
using DistributedCopy.Core.Rdb;
using DistributedCopy.Core.Replication;
using DistributedCopy.Core;
using DistributedCopy.Testing;

namespace DistributedCopy.Bench;

// BenchRun, part 9: a standalone server's snapshot taken as a replica takes it (PSYNC: the master's RDB streamed into a file,
// then loaded by slot into the 3-master target) against the engine's DUMP path from the same server in the same run.
internal static partial class BenchRun
{
    private static async Task<string> ReplicationRowAsync(RedisCluster target, double scale, int pipelines, int batch)
    {
        await FlushAsync(target);
        await using var server = await RedisServer.StartAsync();
        var report = await new StandardDataSet(scale).LoadAsync(server.Endpoint);
        var dump = await CopyAsync(server.Endpoint, target.Endpoint, new Dictionary<string, string>(), pipelines, batch);
        var dumpOnTarget = await KeyCounter.DbSizeAsync(target.Endpoint);
        await FlushAsync(target);

        var file = Path.Combine(Path.GetTempPath(), $"dcopy-bench-{Guid.NewGuid():N}.rdb");
        var clock = Stopwatch.StartNew();
        TimeSpan received;
        long size;
        bool diskless;
        await using (var link = await ReplicationLink.OpenAsync(server.Endpoint, from: null))
        {
            await using (var stream = File.Create(file))
            {
                size = await link.ReceiveSnapshotAsync(stream);
            }
            received = clock.Elapsed;
            diskless = link.Diskless;
            var loader = await RdbLoader.OpenAsync(file, target.Endpoint, new CopyOptions { BatchSize = batch, PipelinesPerShard = pipelines });
            await loader.LoadAsync(0);
        }
        var total = clock.Elapsed;
        File.Delete(file);
        var onTarget = await KeyCounter.DbSizeAsync(target.Endpoint);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"A standalone server of {report.Total:N0} keys into the 3-master target. As a replica (PSYNC; the snapshot {(diskless ? "streamed diskless" : "written to the master's disk, then sent")}, {size / 1e6:F1} MB, received into a file in {received.TotalSeconds:F2} s, then loaded by slot in-process): "
            + $"{total.TotalSeconds:F2} s, {report.Total / total.TotalSeconds:N0} keys/s; the engine's DUMP path from the same server: {dump.WallSeconds:F2} s, {dump.KeysPerSecond:N0} keys/s "
            + $"(replica path {dump.WallSeconds / total.TotalSeconds:F2} × its speed); target {onTarget:N0} keys{(onTarget == report.Total ? " = source" : " ≠ source")}, by DUMP {dumpOnTarget:N0}{(dumpOnTarget == report.Total ? " = source" : " ≠ source")}.");
        Log(line);
        return line;
    }
}
