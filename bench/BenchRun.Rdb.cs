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

        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "dcopy.dll"), "copy", "--source", "rdb:" + file, "--target", target.Endpoint.Address, "--json", "--progress", "none" })
        {
            start.ArgumentList.Add(arg);
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start dcopy");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        clock.Stop();
        File.Delete(file);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dcopy failed with {process.ExitCode}: {await stderr}");
        }
        var keys = JsonDocument.Parse((await stdout).Trim().Split('\n')[^1]).RootElement.GetProperty("keysCopied").GetInt64();
        var onTarget = await KeyCounter.DbSizeAsync(target.Endpoint);
        var seconds = clock.Elapsed.TotalSeconds;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"RDB file of {report.Total:N0} keys ({size / 1e6:F1} MB, RDB 10) into the 3-master target by dcopy, end to end: {seconds:F2} s, {keys / seconds:N0} keys/s, {size / 1e6 / seconds:F1} MB/s of file = {keys / seconds / liveKeysPerSecond:F2} × the engine's live cluster → cluster copy of this run; "
            + $"redis-server loading the same file itself (DEBUG RELOAD NOSAVE, one server): {reload.Elapsed.TotalSeconds:F2} s = {report.Total / reload.Elapsed.TotalSeconds:N0} keys/s; target {onTarget:N0} keys{(onTarget == report.Total ? " = file" : " ≠ file")}.");
        Log(line);
        return line;
    }
}
