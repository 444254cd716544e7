using System.Diagnostics;
using System.Reflection.PortableExecutable;
using DistributedCopy.Testing;
using StackExchange.Redis;

namespace DistributedCopy.Cli.Tests;

/// <summary>
/// dcopy and dcopy-silo as .NET tools, the way README installs them: packed from the sources, installed from that folder
/// alone (a nuget.config that knows no other feed) into a tool path of the test's own, then run by their command names.
/// </summary>
public sealed class ToolInstallCliTests
{
    [RedisFact]
    public async Task TheToolsInstalledFromThePackedFolderRunByTheirNamesAndDcopyCopiesIdentical()
    {
        var root = RepositoryRoot();
        var work = Path.Combine(Path.GetTempPath(), "dcopy-tests", "tool-" + Guid.NewGuid().ToString("N")[..8]);
        var packages = Path.Combine(work, "packages");
        var tools = Path.Combine(work, "tools");
        Directory.CreateDirectory(work);
        await File.WriteAllTextAsync(Path.Combine(work, "nuget.config"),
            $"""<?xml version="1.0" encoding="utf-8"?><configuration><packageSources><clear /><add key="packed" value="{packages}" /></packageSources></configuration>""");
        try
        {
            foreach (var (project, package) in new[] { ("DistributedCopy.Cli", "DistributedCopy.Cli"), ("DistributedCopy.Silo", "DistributedCopy.Silo") })
            {
                await RunAsync("dotnet", ["pack", Path.Combine(root, "src", project), "-c", "Release", "-o", packages], TimeSpan.FromMinutes(5));
                await RunAsync("dotnet", ["tool", "install", package, "--tool-path", tools, "--configfile", Path.Combine(work, "nuget.config"), "--version", "0.9.0"], TimeSpan.FromMinutes(2));
            }

            Assert.StartsWith("0.9.0", (await RunAsync(Path.Combine(tools, "dcopy"), ["--version"], TimeSpan.FromMinutes(1))).Trim(), StringComparison.Ordinal);
            // dcopy is packed for linux-x64 compiled ReadyToRun (it starts faster), beside a portable package for any other
            // platform and the package that points to both; installed here, the linux-x64 one is chosen
            Assert.Equal(["DistributedCopy.Cli.0.9.0.nupkg", "DistributedCopy.Cli.any.0.9.0.nupkg", "DistributedCopy.Cli.linux-x64.0.9.0.nupkg"],
                Directory.GetFiles(packages, "DistributedCopy.Cli*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal));
            var installed = Directory.EnumerateFiles(Path.Combine(tools, ".store"), "dcopy.dll", SearchOption.AllDirectories).Single();
            Assert.Contains("linux-x64", installed, StringComparison.Ordinal);
            using (var pe = new PEReader(File.OpenRead(installed)))
            {
                Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, installed + " is not compiled ReadyToRun");
            }
            Assert.StartsWith("0.9.0", (await RunAsync(Path.Combine(tools, "dcopy-silo"), ["--version"], TimeSpan.FromMinutes(1))).Trim(), StringComparison.Ordinal);

            await using var source = await RedisServer.StartAsync();
            await using var target = await RedisServer.StartAsync();
            await using (var redis = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(source.Endpoint)))
            {
                var db = redis.GetDatabase();
                await Task.WhenAll(Enumerable.Range(0, 500).Select(i => i % 5 == 0
                    ? db.StringSetAsync($"tool:{i}", $"value-{i}", TimeSpan.FromMinutes(30))
                    : db.HashSetAsync($"tool:h:{i}", [new HashEntry("f", i), new HashEntry("g", "x")])));
            }
            var copied = await RunAsync(Path.Combine(tools, "dcopy"), ["copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--state-dir", Path.Combine(work, "state"),
                "--progress", "none"], TimeSpan.FromMinutes(2));

            // a standalone source has no slots: its progress is in databases
            Assert.Contains("copied 500 keys", copied, StringComparison.Ordinal);
            Assert.Contains("databases 1/1", copied, StringComparison.Ordinal);
            Assert.DoesNotContain("slots 0/0", copied, StringComparison.Ordinal);

            var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
            Assert.True(comparison.Identical, comparison.ToString());
            Assert.Equal(500, comparison.SourceKeys);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Runs a program to its end within <paramref name="limit"/>; what it printed (standard output, then error), or a failure with it.</summary>
    private static async Task<string> RunAsync(string program, string[] arguments, TimeSpan limit)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        ProcessRegistry.Add(process);
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using (var deadline = new CancellationTokenSource(limit))
        {
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{Path.GetFileName(program)} {string.Join(' ', arguments.Take(2))} did not end within {limit.TotalMinutes:0} min");
            }
        }
        Assert.True(process.ExitCode == 0, $"{Path.GetFileName(program)} {string.Join(' ', arguments.Take(2))} exited {process.ExitCode}: {await output} {await errors}");
        return await output + await errors;
    }

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
}
