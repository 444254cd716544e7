using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using DistributedCopy.Testing;

namespace DistributedCopy.AppHost.Tests;

public sealed partial class AppHostTests
{
    [RedisFact]
    public async Task TheDemoExitsZeroWithAVerifiedCopyAndLeavesNoProcessBehind()
    {
        var (exit, stdout, stderr) = await RunAsync();

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        var summary = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("completed", summary.GetProperty("phase").GetString());
        var planned = summary.GetProperty("keysPlanned").GetInt64();
        Assert.InRange(planned, 50_000, 60_000);
        Assert.Equal(planned, summary.GetProperty("keysCopied").GetInt64());
        Assert.Equal(planned, summary.GetProperty("verify").GetProperty("compared").GetInt64());
        Assert.Equal(0, summary.GetProperty("verify").GetProperty("missing").GetInt64());
        Assert.Equal(0, summary.GetProperty("verify").GetProperty("valueMismatch").GetInt64());

        // 7 redis-server processes (two 3-master clusters and the control), 3 silos and the job
        var stopped = Stopped().Match(stderr);
        Assert.True(stopped.Success, stderr);
        var pids = stopped.Groups[1].Value.Split(',').Select(int.Parse).ToList();
        Assert.Equal(11, pids.Count);
        Assert.All(pids, pid => Assert.False(ProcessRegistry.IsRunning(pid), $"process {pid} still runs"));
    }

    [Fact]
    public async Task TheRepositoryManifestIsWhatTheAppHostWrites()
    {
        var root = Root();
        var generated = Path.Combine(root, $"aspire-manifest.test-{Guid.NewGuid():N}.json");
        try
        {
            var (exit, _, stderr) = await RunAsync("--publisher", "manifest", "--output-path", generated);
            Assert.True(exit == 0, stderr);
            var committed = await File.ReadAllTextAsync(Path.Combine(root, "aspire-manifest.json"));
            Assert.Equal(committed, await File.ReadAllTextAsync(generated));

            var manifest = JsonDocument.Parse(committed).RootElement;
            Assert.Equal("https://json.schemastore.org/aspire-8.0.json", manifest.GetProperty("$schema").GetString());
            var resources = manifest.GetProperty("resources");
            foreach (var container in new[] { "source-0", "source-1", "source-2", "target-0", "target-1", "target-2", "control" })
            {
                Assert.Equal("container.v0", resources.GetProperty(container).GetProperty("type").GetString());
                Assert.StartsWith("docker.io/library/redis:", resources.GetProperty(container).GetProperty("image").GetString(), StringComparison.Ordinal);
                Assert.Equal(6379, resources.GetProperty(container).GetProperty("bindings").GetProperty("tcp").GetProperty("targetPort").GetInt32());
            }
            Assert.Equal("{control.bindings.tcp.host}:{control.bindings.tcp.port}", resources.GetProperty("control").GetProperty("connectionString").GetString());
            Assert.Equal("value.v0", resources.GetProperty("source").GetProperty("type").GetString());
            var silo = resources.GetProperty("silo");
            Assert.Equal("project.v0", silo.GetProperty("type").GetString());
            Assert.True(File.Exists(Path.Combine(root, silo.GetProperty("path").GetString()!)));
            Assert.Equal("{control.connectionString}", silo.GetProperty("env").GetProperty("ConnectionStrings__control").GetString());
            Assert.Equal("{otlp-endpoint.value}", silo.GetProperty("env").GetProperty("OTEL_EXPORTER_OTLP_ENDPOINT").GetString());
            Assert.Equal("project.v0", resources.GetProperty("job").GetProperty("type").GetString());
        }
        finally
        {
            File.Delete(generated);
        }
    }

    [Fact]
    public async Task AnUnknownOptionExitsWithTheAppHostsOwnBadInputCodeAndStartsNothing()
    {
        var (exit, stdout, stderr) = await RunAsync("--bogus");

        Assert.True(exit == AppHostExitCodes.BadInput, $"exit {exit}: {stderr}");
        Assert.StartsWith("apphost: unexpected argument '--bogus'", stderr.Trim(), StringComparison.Ordinal);
        Assert.DoesNotContain("redis", stdout, StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "DistributedCopy.AppHost.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        ProcessRegistry.Add(process);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DistributedCopy.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("no DistributedCopy.sln above the test folder");
    }

    [GeneratedRegex(@"stopped \d+ processes: pids ([\d,]+)")]
    private static partial Regex Stopped();
}
