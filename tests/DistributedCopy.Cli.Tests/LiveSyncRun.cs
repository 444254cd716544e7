using System.Diagnostics;
using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>
/// An embedded `dcopy sync` as an operator runs it, and what they type beside it in a second terminal: `status`, `cutover`
/// (each a dcopy process of its own, reaching the sync through its silo's gateway). Kills the sync on dispose.
/// </summary>
public sealed class LiveSyncRun : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stderr;

    private LiveSyncRun(Process process, string state, string job)
    {
        _process = process;
        State = state;
        Job = job;
        _stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
    }

    public string State { get; }

    public string Job { get; }

    public Process Process => _process;

    /// <summary>Starts `dcopy sync` (notifications configured, a sweep a second) and waits until `dcopy status` says live.</summary>
    public static Task<LiveSyncRun> StartAsync(string source, string target, params string[] more) => StartAsync(source, target, more, null);

    /// <summary>The same in <paramref name="state"/> (given: the sync there resumes).</summary>
    public static async Task<LiveSyncRun> StartAsync(string source, string target, string[] more, string? state)
    {
        state ??= Dcopy.StateDir();
        var job = "live";
        var run = new LiveSyncRun(Dcopy.Start(["sync", "--source", source, "--target", target, "--job-id", job, "--state-dir", state,
            "--configure-notifications", "--sweep-seconds", "1", "--interval", "1", "--progress", "log", .. more]), state, job);
        await run.WaitForAsync(s => s.Stderr.Contains("sync live: live", StringComparison.Ordinal), "live", TimeSpan.FromSeconds(90));
        return run;
    }

    public Task<DcopyResult> StatusAsync() => Dcopy.RunAsync("status", Job, "--state-dir", State, "--json");

    public Task<DcopyResult> CutoverAsync(params string[] options) => Dcopy.RunAsync(["cutover", Job, "--state-dir", State, "--json", .. options]);

    /// <summary>Asks `dcopy status` until <paramref name="done"/> holds; fails naming <paramref name="what"/> at the deadline.</summary>
    public async Task<DcopyResult> WaitForAsync(Func<DcopyResult, bool> done, string what, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"the sync stopped (exit {_process.ExitCode}) waiting for {what}: {await _stderr}");
            }
            var status = await StatusAsync();
            if (status.ExitCode == ExitCodes.Success && done(status))
            {
                return status;
            }
            Assert.True(DateTime.UtcNow < deadline, $"no {what} within {within.TotalSeconds:0} s: {status}");
            await Task.Delay(300);
        }
    }

    /// <summary>The sync's own output once it ended (it ends on a cutover that passed).</summary>
    public async Task<(int ExitCode, string Stderr)> EndedAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(timeout.Token);
        return (_process.ExitCode, await _stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    /// <summary>How long a write on <paramref name="server"/> takes to be answered (a paused source holds it); it leaves nothing.</summary>
    public static async Task<TimeSpan> TimeOneWriteAsync(RedisServer server)
    {
        var clock = Stopwatch.StartNew();
        await server.ExecuteAsync("DEL", "dcopy-test:probe");
        return clock.Elapsed;
    }

    /// <summary>The longest a write takes on any master of <paramref name="cluster"/> (each with a key of its own slots; nothing is written).</summary>
    public static async Task<TimeSpan> TimeOneWriteAsync(RedisCluster cluster)
    {
        var longest = TimeSpan.Zero;
        foreach (var master in await cluster.MastersAsync())
        {
            for (var n = 0; ; n++)
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    await master.ExecuteAsync("DEL", $"dcopy-test:probe:{n}");
                }
                catch (Core.Resp.RedisErrorException ex) when (ex.Message.StartsWith("MOVED", StringComparison.Ordinal))
                {
                    continue;
                }
                longest = clock.Elapsed > longest ? clock.Elapsed : longest;
                break;
            }
        }
        return longest;
    }
}
