using System.Diagnostics;
using System.Text.RegularExpressions;
using DistributedCopy.Testing;
using StackExchange.Redis;

namespace DistributedCopy.Cli.Tests;

// ReadmeExamplesCliTests, part 2: README's bash blocks read, the servers its examples name loaded, and the shell they run in.
public sealed partial class ReadmeExamplesCliTests
{
    /// <summary>The example lines: each line of a bash block that starts with dcopy, continuation lines joined.</summary>
    private static List<string> ReadExamples()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        var lines = new List<string>();
        foreach (Match block in BashBlock().Matches(readme))
        {
            var joined = block.Groups[1].Value.Replace("\\\n", " ", StringComparison.Ordinal);
            foreach (var raw in joined.Split('\n'))
            {
                var line = MultipleSpaces().Replace(raw.Trim(), " ");
                if (line.StartsWith("dcopy", StringComparison.Ordinal))
                {
                    // a comment after the command is bash's to drop; kept out of the line the test knows it by
                    var comment = line.IndexOf(" # ", StringComparison.Ordinal);
                    lines.Add(comment > 0 ? line[..comment].TrimEnd() : line);
                }
            }
        }
        return lines;
    }

    private static bool Known(string example) => example.StartsWith("dcopy ", StringComparison.Ordinal);

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DistributedCopy.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("the repository's root (DistributedCopy.sln) is not above " + AppContext.BaseDirectory);
    }

    private static async Task LoadAsync(RedisServer s, RedisServer old, RedisServer cache, RedisServer oldCache)
    {
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(s.Endpoint)))
        {
            var db = mux.GetDatabase();
            await Task.WhenAll(Enumerable.Range(0, 200).Select(i => db.StringSetAsync($"shop:item:{i}", $"v{i}")));
            await Task.WhenAll(Enumerable.Range(0, 20).Select(i => db.StringSetAsync($"shop:tmp:{i}", "scratch", TimeSpan.FromHours(1))));
            await Task.WhenAll(Enumerable.Range(0, 100).Select(i => db.HashSetAsync($"user:{i}", [new HashEntry("name", $"u{i}"), new HashEntry("visits", i)])));
        }
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(old.Endpoint)))
        {
            await Task.WhenAll(Enumerable.Range(0, 50).Select(i => mux.GetDatabase(1).StringSetAsync($"one:{i}", "1")));
            await Task.WhenAll(Enumerable.Range(0, 50).Select(i => mux.GetDatabase(2).ListRightPushAsync($"two:{i}", ["a", "b"])));
        }
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(cache.Endpoint)))
        {
            await Task.WhenAll(Enumerable.Range(0, 100).Select(i => mux.GetDatabase().StringSetAsync($"cached:{i}", $"c{i}", TimeSpan.FromHours(2))));
        }
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(oldCache.Endpoint)))
        {
            for (var i = 0; i < 6; i++)
            {
                await OldSessions.WriteAsync(mux.GetDatabase(), "/Shop", $"s{i}", [("count", OldSessions.Int32(i)), ("name", OldSessions.String($"user-{i}"))], timeoutSeconds: 1200, locked: false);
            }
        }
    }

    private static async Task FlushAsync(RedisCluster cluster, params RedisServer[] servers)
    {
        foreach (var master in await cluster.MastersAsync())
        {
            await master.ExecuteAsync("FLUSHALL");
        }
        foreach (var server in servers)
        {
            await server.ExecuteAsync("FLUSHALL");
        }
    }

    private static Task EventuallyAsync(Func<Task<bool>> condition, string what) =>
        Eventually.HoldsAsync(condition, what, TimeSpan.FromSeconds(90), every: TimeSpan.FromMilliseconds(500));

    /// <summary>bash with dcopy on the PATH, a HOME of its own (the default state directory) and the test CAs as the trust store.</summary>
    private sealed class Shell(string home, string bin, string trusted)
    {
        public Process Start(string line)
        {
            var start = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("exec " + line);
            start.Environment["HOME"] = home;
            start.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
            start.Environment["SSL_CERT_FILE"] = trusted;
            start.Environment.Remove("DCOPY_STATE_DIR");
            var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start bash");
            ProcessRegistry.Add(process);
            return process;
        }

        public async Task<DcopyResult> RunAsync(string line)
        {
            using var process = Start(line);
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await process.WaitForExitAsync(timeout.Token);
            return new DcopyResult(process.ExitCode, await stdout, await stderr);
        }
    }

    [GeneratedRegex(@"```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();

    [GeneratedRegex(" {2,}")]
    private static partial Regex MultipleSpaces();
}
