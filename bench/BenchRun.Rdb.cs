using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DistributedCopy.Testing;

namespace DistributedCopy.Bench;

// BenchRun, part 5: an RDB file of the standard set (SAVE of a standalone server holding it) loaded into the 3-master
// target by dcopy, end to end, against the engine's live cluster-to-cluster row of the same run and against redis-server
// loading the same file itself (DEBUG RELOAD NOSAVE: the time a server takes to start with it).
internal static partial class BenchRun
{
    private static async Task<string> RdbRowAsync(RedisCluster target, double scale, double liveKeysPerSecond)
    {
        await FlushAsync(target);
        await using var server = await RedisServer.StartAsync(new RedisServerOptions { ExtraConfig = ["enable-debug-command yes"] });
        var report = await new StandardDataSet(scale).LoadAsync(server.Endpoint);
        await server.ExecuteAsync("SAVE");
        var file = Path.Combine(Path.GetTempPath(), $"dcopy-bench-{Guid.NewGuid():N}.rdb");
        File.Copy(Path.Combine(server.DataDirectory, "dump.rdb"), file);
        var size = new FileInfo(file).Length;
        var reload = Stopwatch.StartNew();
        await server.ExecuteAsync("DEBUG", "RELOAD", "NOSAVE");
        reload.Stop();

        var (seconds, keys) = await LoadFileAsync(file, target, "auto");
        var onTarget = await KeyCounter.DbSizeAsync(target.Endpoint);
        // the same file with every value decoded and written by type (how a file reaches a target older than it)
        await FlushAsync(target);
        var (typedSeconds, typedKeys) = await LoadFileAsync(file, target, "typed");
        var typedOnTarget = await KeyCounter.DbSizeAsync(target.Endpoint);
        File.Delete(file);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"RDB file of {report.Total:N0} keys ({size / 1e6:F1} MB, RDB 10) into the 3-master target by dcopy (a job on its embedded silo), end to end: {seconds:F2} s, {keys / seconds:N0} keys/s, {size / 1e6 / seconds:F1} MB/s of file = {keys / seconds / liveKeysPerSecond:F2} × the engine's live cluster → cluster copy of this run; "
            + $"every value decoded and written by type (--mode typed): {typedSeconds:F2} s, {typedKeys / typedSeconds:N0} keys/s = {typedKeys / typedSeconds / liveKeysPerSecond:F2} ×; "
            + $"redis-server loading the same file itself (DEBUG RELOAD NOSAVE, one server): {reload.Elapsed.TotalSeconds:F2} s = {report.Total / reload.Elapsed.TotalSeconds:N0} keys/s; "
            + $"target {onTarget:N0} keys{(onTarget == report.Total ? " = file" : " ≠ file")}, by type {typedOnTarget:N0}{(typedOnTarget == report.Total ? " = file" : " ≠ file")}.");
        Log(line);
        return line;
    }

    /// <summary>`dcopy copy --source rdb:FILE` timed from outside (process start, the file's checks and the job included).</summary>
    private static async Task<(double Seconds, long Keys)> LoadFileAsync(string file, RedisCluster target, string mode)
    {
        var state = Path.Combine(Path.GetTempPath(), $"dcopy-bench-state-{Guid.NewGuid():N}");
        var (summary, _, seconds) = await RunDcopyAsync(["copy", "--source", "rdb:" + file, "--target", target.Endpoint.Address, "--mode", mode, "--state-dir", state, "--json", "--progress", "none"]);
        Directory.Delete(state, recursive: true);
        return (seconds, summary.GetProperty("keysCopied").GetInt64());
    }
}
