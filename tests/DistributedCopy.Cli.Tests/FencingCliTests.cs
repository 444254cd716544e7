using System.Globalization;
using DistributedCopy.Testing;
using StackExchange.Redis;

namespace DistributedCopy.Cli.Tests;

/// <summary>
/// Fencing: a worker cut off from its coordinator but not from Redis stops writing once its lease's fence runs out, before
/// the coordinator hands its partition to another worker; the job ends identical. Three silos on separate hosts (network
/// namespaces), Orleans' relaxed timings (a call to an unreachable silo waits 30 s), the target's `CLIENT LIST` watched
/// for the cut-off worker's connections (each worker names its own).
/// </summary>
public sealed class FencingCliTests
{
    private const int KeysPerDatabase = 6000;

    [RedisFact]
    public async Task AWorkerCutOffFromItsCoordinatorButNotFromRedisWritesNothingOnceItsLeaseIsGoneIdentical()
    {
        await using var lab = await NetworkLab.StartAsync(hosts: 3);
        var reachable = new RedisServerOptions { ExtraConfig = [$"bind 127.0.0.1 {lab.RootAddress}", "protected-mode no"] };
        await using var control = await RedisServer.StartAsync(reachable);
        await using var source = await RedisServer.StartAsync(reachable);
        await using var target = await RedisServer.StartAsync(reachable);
        // three databases: three partitions, one per worker, each long enough at the job's rate to outlast the cut
        await LoadAsync(source, databases: 3);
        var clusterId = "f" + Guid.NewGuid().ToString("N")[..8];
        var controlAddress = $"{lab.RootAddress}:{control.Port}";
        var silos = await Task.WhenAll(Enumerable.Range(0, 3).Select(host => SiloProcess.StartAsync(controlAddress, clusterId, lab: lab, host: host, arguments: ["--failover", "relaxed"])));
        string[] cluster = ["--control", controlAddress, "--cluster-id", clusterId];
        try
        {
            var started = await Dcopy.RunAsync(["copy", "--source", $"{lab.RootAddress}:{source.Port}", "--target", $"{lab.RootAddress}:{target.Port}",
                "--job-id", "fenced", "--workers", "3", "--max-rate", "600", "--batch-size", "20", "--pipelines", "1", "--detach", .. cluster]);
            Assert.True(started.ExitCode == ExitCodes.Success, started.ToString());

            // wait until every worker reported, then pick a silo running a worker but not the coordinator
            DcopyResult status;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            do
            {
                await Task.Delay(300);
                status = await Dcopy.RunAsync(["status", "fenced", "--json", .. cluster]);
                Assert.True(DateTime.UtcNow < deadline, "the workers never all reported: " + status);
            }
            while (status.Json.GetProperty("workers").EnumerateObject().Count() < 3);
            var coordinator = status.Json.GetProperty("coordinator").GetString()!;
            var coordinatorHost = Array.FindIndex(silos, s => s.Is(coordinator));
            var workers = status.Json.GetProperty("workers").EnumerateObject()
                .Select(w => (Index: int.Parse(w.Name, CultureInfo.InvariantCulture), Host: Array.FindIndex(silos, s => s.Is(w.Value.GetProperty("silo").GetString()!))))
                .ToList();
            var cutHost = workers.First(w => w.Host != coordinatorHost).Host;
            var cutNames = workers.Where(w => w.Host == cutHost).Select(w => $"-w{w.Index}").ToList();

            using var watching = new CancellationTokenSource();
            var lastWrite = WatchAsync(target, cutNames, watching.Token);
            await lab.SeparateAsync(cutHost, coordinatorHost);
            var cut = DateTime.UtcNow;

            deadline = DateTime.UtcNow.AddSeconds(180);
            do
            {
                await Task.Delay(1000);
                status = await Dcopy.RunAsync(["status", "fenced", "--json", .. cluster]);
                Assert.True(DateTime.UtcNow < deadline, "the job never completed after the cut: " + status);
            }
            while (!status.Stderr.Contains("job fenced: completed", StringComparison.Ordinal));
            await watching.CancelAsync();
            var (seenBefore, last) = await lastWrite;

            // the cut-off worker wrote before the cut, and nothing after its fence (11 s after its last answered report,
            // which was before the cut) ran out; the idle field has a resolution of a second
            Assert.True(seenBefore, "the cut-off silo's worker was not seen writing before the cut");
            Assert.True(last < cut.AddSeconds(13), $"the cut-off worker wrote {(last - cut).TotalSeconds:0.0} s after the cut");
            Assert.True(status.Json.GetProperty("leasesExpired").GetInt64() >= 1, "the cut-off worker's partition never moved: " + status);
            for (var db = 0; db < 3; db++)
            {
                var comparison = await DataComparer.CompareAsync(source.Endpoint with { Database = db }, target.Endpoint with { Database = db });
                Assert.True(comparison.Identical, $"db {db}: {comparison}");
                Assert.Equal(KeysPerDatabase, comparison.SourceKeys);
            }
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private static async Task LoadAsync(RedisServer server, int databases)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(server.Endpoint));
        for (var db = 0; db < databases; db++)
        {
            var database = redis.GetDatabase(db);
            await Task.WhenAll(Enumerable.Range(0, KeysPerDatabase).Select(i => database.StringSetAsync($"fence:{db}:{i}", $"value-{db}-{i}")));
        }
    }

    /// <summary>
    /// Polls the target's CLIENT LIST; returns whether a connection whose name ends in one of <paramref name="names"/> was
    /// seen, and the latest moment one of them ran a command (now minus its idle seconds).
    /// </summary>
    private static async Task<(bool Seen, DateTime Last)> WatchAsync(RedisServer target, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var seen = false;
        var last = DateTime.MinValue;
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = DateTime.UtcNow;
            foreach (var line in (await target.ExecuteAsync("CLIENT", "LIST")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var fields = line.Split(' ').Select(f => f.Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
                if (fields.TryGetValue("name", out var name) && names.Any(n => name.EndsWith(n, StringComparison.Ordinal)) && fields.GetValueOrDefault("cmd") is not ("client|setname" or "select"))
                {
                    seen = true;
                    var active = now.AddSeconds(-long.Parse(fields["idle"], CultureInfo.InvariantCulture));
                    last = active > last ? active : last;
                }
            }
            await Task.Delay(250, CancellationToken.None);
        }
        return (seen, last);
    }
}
