using System.Diagnostics;
using System.Text.RegularExpressions;
using DistributedCopy.Testing;
using StackExchange.Redis;

namespace DistributedCopy.Cli.Tests;

/// <summary>
/// Every dcopy command line of README's bash examples, run as written: through bash, with a `dcopy` on the PATH as the tool
/// install puts it, the default state directory under a HOME of the test's own, and the names the examples use (S, T, C,
/// `redis://old:6379`, `mycache…:6380`, `rdb:/backups/dump.rdb`, …) standing for real servers started here. An example
/// added or changed that this test does not know fails it, so README cannot drift from the CLI.
/// </summary>
public sealed partial class ReadmeExamplesCliTests
{
    /// <summary>Example lines run by another test instead, and why not here.</summary>
    private static readonly Dictionary<string, string> RunElsewhere = new(StringComparer.Ordinal)
    {
        ["dcopy-silo --control ctl:6379 --advertise 10.0.0.5 --silo-cert silo.pem --silo-key silo.key --silo-ca ca.pem"] =
            "SiloTlsCliTests (a silo advertising another host's address cannot be started on loopback)",
        ["dcopy copy --source … --target … --control ctl:6379 --silo-cert dcopy.pem --silo-key dcopy.key --silo-ca ca.pem"] =
            "SiloTlsCliTests (silos with certificates of a CA of their own)",
    };

    [RedisFact]
    public async Task EveryDcopyExampleInReadmeRunsAsWrittenAgainstRealServers()
    {
        var examples = ReadExamples();
        var unknown = examples.Where(e => !Known(e) && !RunElsewhere.ContainsKey(e)).ToList();
        Assert.True(unknown.Count == 0, "README examples this test does not run:\n" + string.Join("\n", unknown));
        Assert.All(RunElsewhere.Keys, k => Assert.Contains(k, examples));

        await using var s = await RedisServer.StartAsync();
        await using var old = await RedisServer.StartAsync();
        await using var t = await RedisCluster.StartAsync(masters: 3);
        await using var cache = await RedisServer.StartAsync(new RedisServerOptions { Tls = true, Password = "access-key-1", AclUser = "copier", AclPassword = "copier-pw-1" });
        await using var oldCache = await RedisServer.StartAsync(new RedisServerOptions { Tls = true });
        await using var newCache = await RedisServer.StartAsync(new RedisServerOptions { Tls = true });
        await using var control = await RedisServer.StartAsync();
        await LoadAsync(s, old, cache, oldCache);
        var file = await s.SaveToFileAsync();

        var home = Path.Combine(Path.GetTempPath(), "dcopy-tests", "readme-" + Guid.NewGuid().ToString("N")[..10]);
        var bin = Path.Combine(home, "bin");
        Directory.CreateDirectory(bin);
        var wrapper = Path.Combine(bin, "dcopy");
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "dcopy.dll")}' \"$@\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        // the three TLS servers' CAs as the machine's trust store: `ssl=True` without --source-ca trusts them, as a public CA
        var trusted = Path.Combine(home, "trusted.pem");
        await File.WriteAllTextAsync(trusted, string.Concat(await Task.WhenAll(new[] { cache, oldCache, newCache }.Select(c => File.ReadAllTextAsync(c.Endpoint.CaCertificatePath!)))));
        var shell = new Shell(home, bin, trusted);

        var at = (RedisServer server) => $"127.0.0.1:{server.Port}";
        var bindings = new List<(string Name, string Value)>
        {
            ("mycache.redis.cache.windows.net:6380,password=<access-key>", $"{at(cache)},password=access-key-1"),
            ("rediss://copier:<password>@10.1.0.4:6380", $"rediss://copier:copier-pw-1@{at(cache)}"),
            ("--source-ca ca.pem", $"--source-ca {cache.Endpoint.CaCertificatePath}"),
            ("redis://10.0.0.5:7000", $"redis://{t.Endpoint.Address}"),
            ("redis://new-cluster:7000", $"redis://{t.Endpoint.Address}"),
            ("redis://old:6379", $"redis://{at(old)}"),
            ("cluster:7000", t.Endpoint.Address),
            ("old-cache:6380", at(oldCache)),
            ("new-cache:6380", at(newCache)),
            ("rdb:/backups/dump.rdb", "rdb:" + file),
            ("--source … --target …", $"--source {at(oldCache)},ssl=True --target {at(newCache)},ssl=True"),
            ("--target ...", $"--target {t.Endpoint.Address}"),
            ("--source S", $"--source {at(s)}"),
            ("--target T", $"--target {t.Endpoint.Address}"),
            ("--control C", $"--control {at(control)}"),
        };
        string Bound(string example) => bindings.Aggregate(example, (line, b) => line.Replace(b.Name, b.Value, StringComparison.Ordinal));
        async Task<DcopyResult> RunAsync(string example, params int[] exitCodes)
        {
            var result = await shell.RunAsync(Bound(example));
            Assert.True(exitCodes.Length == 0 ? result.ExitCode == ExitCodes.Success : exitCodes.Contains(result.ExitCode), $"{example}\n{result}");
            return result;
        }

        foreach (var example in examples.Where(e => !RunElsewhere.ContainsKey(e)))
        {
            if (example.StartsWith("dcopy sync", StringComparison.Ordinal) || example.StartsWith("dcopy status", StringComparison.Ordinal)
                || example.StartsWith("dcopy cutover", StringComparison.Ordinal))
            {
                continue; // the live migration's steps run below, in their order
            }
            if (example.StartsWith("dcopy copy", StringComparison.Ordinal))
            {
                await FlushAsync(t, newCache);
            }
            var result = await RunAsync(example);
            if (example.StartsWith("dcopy copy", StringComparison.Ordinal))
            {
                Assert.Contains(": completed", result.Stdout + result.Stderr, StringComparison.Ordinal);
                await CheckCopyAsync(example);
            }
        }

        // what each copy example promises, looked at on the servers themselves
        async Task CheckCopyAsync(string example)
        {
            if (example.Contains("mycache", StringComparison.Ordinal) || example.Contains("10.1.0.4", StringComparison.Ordinal))
            {
                var copied = await DataComparer.CompareAsync(cache.Endpoint, t.Endpoint);
                Assert.True(copied.Identical && copied.SourceKeys == 100, $"{example}\n{copied}");
            }
            else if (example.Contains("--rename", StringComparison.Ordinal))
            {
                var keys = (await DataComparer.AllKeysAsync(t.Endpoint)).Select(DataComparer.Printable).ToList();
                Assert.True(keys.Count == 200 && keys.All(k => k.StartsWith("store:item:", StringComparison.Ordinal)), $"{example}\n{keys.Count} keys: {string.Join(' ', keys.Take(5))}");
            }
            else if (example.Contains("--db-map", StringComparison.Ordinal))
            {
                Assert.Equal(100, await KeyCounter.DbSizeAsync(t.Endpoint));
            }
            else if (example.Contains("aspnet-session-v5", StringComparison.Ordinal))
            {
                // six sessions, each a _SessionStateItemCollection and a _SessionTimeout
                Assert.Equal(12, await KeyCounter.DbSizeAsync(newCache.Endpoint));
            }
            else if (example.Contains("rdb:", StringComparison.Ordinal))
            {
                var loaded = await DataComparer.CompareAsync(s.Endpoint, t.Endpoint);
                Assert.True(loaded.Identical && loaded.SourceKeys == 320, $"{example}\n{loaded}");
            }
            else
            {
                Assert.Fail("no check for the copy example " + example);
            }
        }

        // the live migration, embedded: sync left running, status and a dry run from "another terminal", the cutover
        await FlushAsync(t);
        var steps = examples.Where(e => e.StartsWith("dcopy sync", StringComparison.Ordinal) || e.StartsWith("dcopy status", StringComparison.Ordinal)
            || e.StartsWith("dcopy cutover", StringComparison.Ordinal)).ToList();
        var embedded = steps.Where(e => !e.Contains("--control", StringComparison.Ordinal)).ToList();
        var onSilos = steps.Where(e => e.Contains("--control", StringComparison.Ordinal)).ToList();
        // the replication stream's steps (job "stream") follow the notifications' (job "move")
        var byStream = embedded.Where(e => e.Contains(" stream", StringComparison.Ordinal)).ToList();
        embedded = [.. embedded.Except(byStream)];
        Assert.Equal(["sync", "status", "cutover"], byStream.Select(e => e.Split(' ')[1]));
        Assert.Contains("--capture replication", byStream[0], StringComparison.Ordinal);
        Assert.Equal(["sync", "status", "cutover", "cutover"], embedded.Select(e => e.Split(' ')[1]));
        Assert.Equal(["sync", "status", "cutover"], onSilos.Select(e => e.Split(' ')[1]));
        using (var sync = shell.Start(Bound(embedded[0])))
        {
            await EventuallyAsync(async () => (await shell.RunAsync(Bound(embedded[1]))).Stdout.Contains("live", StringComparison.Ordinal), "status says live");
            await EventuallyAsync(async () => (await shell.RunAsync(Bound(embedded[2]))).ExitCode == ExitCodes.Success, "the dry run passes");
            var cutover = await RunAsync(embedded[3]);
            Assert.Contains("target in sync", cutover.Stdout, StringComparison.Ordinal);
            await sync.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
            Assert.Equal(ExitCodes.Success, sync.ExitCode);
        }
        await RunAsync("dcopy cutover move --release");
        var comparison = await DataComparer.CompareAsync(s.Endpoint, t.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());

        // the same by the replication stream: dcopy a replica of the standalone source
        await FlushAsync(t);
        using (var sync = shell.Start(Bound(byStream[0])))
        {
            await EventuallyAsync(async () => (await shell.RunAsync(Bound(byStream[1]))).Stdout.Contains("live", StringComparison.Ordinal), "status of the stream's sync says live");
            var cutover = await RunAsync(byStream[2]);
            Assert.Contains("target in sync", cutover.Stdout, StringComparison.Ordinal);
            Assert.Contains("ok      stream: the target applied the stream up to offset", cutover.Stdout, StringComparison.Ordinal);
            await sync.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
            Assert.Equal(ExitCodes.Success, sync.ExitCode);
        }
        await RunAsync("dcopy cutover stream --release");
        comparison = await DataComparer.CompareAsync(s.Endpoint, t.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());

        // the same on a silo cluster: one silo joined to the control Redis (the default cluster id), the CLI only starts and ends it
        await FlushAsync(t);
        await using var silo = await SiloProcess.StartAsync(control, "dcopy");
        await RunAsync(onSilos[0]);
        await EventuallyAsync(async () => (await shell.RunAsync(Bound(onSilos[1]))).Stdout.Contains("live", StringComparison.Ordinal), "status on silos says live");
        DcopyResult? last = null;
        await EventuallyAsync(async () => (last = await shell.RunAsync(Bound(onSilos[2]))).ExitCode == ExitCodes.Success, "the cutover on silos passes");
        Assert.Contains("target in sync", last!.Stdout, StringComparison.Ordinal);
        await RunAsync(Bound("dcopy cutover move --release --control C"));
        comparison = await DataComparer.CompareAsync(s.Endpoint, t.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
    }
}
