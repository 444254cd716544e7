using System.Diagnostics;
using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>A lock per job, not per state directory: jobs run beside each other from one state directory, one dcopy per job.</summary>
public sealed class JobLockCliTests
{
    [RedisFact]
    public async Task TwoJobsRunBesideEachOtherFromOneStateDirectoryAndASecondDcopyForARunningJobIsRefused()
    {
        await using var source = await RedisServer.StartAsync();
        await using var first = await RedisServer.StartAsync();
        await using var second = await RedisServer.StartAsync();
        await using (var connection = await source.ConnectAsync())
        {
            for (var i = 0; i < 6000; i++)
            {
                await connection.ExecuteAsync("SET", $"k:{i}", $"v{i}");
            }
        }
        var state = Dcopy.StateDir();
        string[] Copy(RedisServer target, string job) => ["copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--job-id", job,
            "--state-dir", state, "--max-rate", "1000", "--progress", "none", "--json"];

        // two copies, 6 s each at 1,000 keys/s, started together from one state directory
        using var a = Dcopy.Start(Copy(first, "a"));
        using var b = Dcopy.Start(Copy(second, "b"));
        var outputs = new[] { a, b }.Select(p => (Out: p.StandardOutput.ReadToEndAsync(), Err: p.StandardError.ReadToEndAsync())).ToList();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        foreach (var job in new[] { "a", "b" })
        {
            // each reached from a third terminal while both run
            DcopyResult status;
            do
            {
                Assert.True(DateTime.UtcNow < deadline, $"job {job} never seen copying");
                await Task.Delay(200);
                status = await Dcopy.RunAsync("status", job, "--state-dir", state, "--json");
            }
            while (status.ExitCode != ExitCodes.Success || status.Json.GetProperty("keysCopied").GetInt64() == 0);
            Assert.Equal("copying", status.Json.GetProperty("phase").GetString());
        }

        // a second dcopy for running job a: refused at once, naming the job, nothing written
        var clock = Stopwatch.StartNew();
        var twice = await Dcopy.RunAsync(Copy(second, "a"));
        Assert.True(twice.ExitCode == ExitCodes.BadInput, twice.ToString());
        Assert.Contains($"job a is running in another dcopy on the state directory {state}", twice.Stderr, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"refused after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.False(a.HasExited || b.HasExited, "a job ended before the refusal was tried: the test proves nothing");

        foreach (var (process, output) in new[] { a, b }.Zip(outputs))
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(process.ExitCode == ExitCodes.Success, $"exit {process.ExitCode}: {await output.Err}");
            Assert.Contains("\"keysCopied\":6000", await output.Out, StringComparison.Ordinal);
        }
        foreach (var target in new[] { first, second })
        {
            var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
            Assert.True(comparison.Identical, comparison.ToString());
        }
    }

    [RedisFact]
    public async Task AStateDirectoryHeldWholeByAnOlderDcopyIsRefusedNamingIt()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await source.ExecuteAsync("SET", "k", "v");
        var state = Dcopy.StateDir();
        Directory.CreateDirectory(state);
        // what a dcopy before locks per job held: the directory's own lock, alone
        using (new FileStream(Path.Combine(state, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var refused = await Dcopy.RunAsync("copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--state-dir", state, "--job-id", "late", "--progress", "none");
            Assert.True(refused.ExitCode == ExitCodes.BadInput, refused.ToString());
            Assert.Contains($"the state directory {state} is held whole by an older dcopy", refused.Stderr, StringComparison.Ordinal);
            Assert.Equal("0", await target.ExecuteAsync("DBSIZE"));
        }
        var copied = await Dcopy.RunAsync("copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--state-dir", state, "--job-id", "late", "--progress", "none");
        Assert.True(copied.ExitCode == ExitCodes.Success, copied.ToString());
        Assert.Equal("v", await target.ExecuteAsync("GET", "k"));
    }
}
