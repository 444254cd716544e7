using System.Globalization;
using DistributedCopy.Testing;

namespace DistributedCopy.AppHost;

/// <summary>
/// Runs the resources as processes on loopback, each once what it waits for is healthy; shows one status view; streams
/// the job's progress; stops everything it started, by PID, whatever happens.
/// </summary>
public sealed class Runner(IReadOnlyList<Resource> resources) : IAsyncDisposable
{
    private readonly Dictionary<Resource, Task<Running>> _started = [];
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<int> _pids = [];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _secrets = new(StringComparer.Ordinal);
    private readonly string _clusterId = "apphost-" + Guid.NewGuid().ToString("N")[..8];

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (RedisBinaries.EnsureInstalled(Console.Error) is { } missing)
        {
            Console.Error.WriteLine("apphost: " + missing);
            return AppHostExitCodes.RedisMissing;
        }
        foreach (var resource in resources)
        {
            _started[resource] = StartAsync(resource, cancellationToken);
        }
        var services = resources.Where(r => r is not ProjectResource { IsJob: true }).ToList();
        var running = new List<Running>();
        foreach (var resource in services)
        {
            running.Add(await _started[resource]);
        }
        PrintStatus(running);
        // the job's own exit code is the AppHost's
        var exitCode = AppHostExitCodes.Success;
        foreach (var job in resources.OfType<ProjectResource>().Where(p => p.IsJob))
        {
            var result = await _started[job];
            exitCode = Math.Max(exitCode, result.ExitCode);
        }
        return exitCode;
    }

    public async ValueTask DisposeAsync()
    {
        // stop in reverse order of start: jobs and silos before the servers they use
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            try
            {
                await _owned[i].DisposeAsync();
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException)
            {
                Console.Error.WriteLine($"apphost: stopping a resource: {ex.Message}");
            }
        }
        Console.Error.WriteLine($"apphost: stopped {_pids.Count} processes: pids {string.Join(",", _pids)}");
    }

    private async Task<Running> StartAsync(Resource resource, CancellationToken cancellationToken)
    {
        foreach (var dependency in resource.WaitsFor)
        {
            await _started[dependency];
        }
        switch (resource)
        {
            case RedisResource redis:
                // a password of this run's own, handed to the projects that reference it through their environment
                var password = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
                _secrets[redis.Password] = password;
                var server = await Own(await RedisServer.StartAsync(new RedisServerOptions { Password = password }, cancellationToken));
                _pids.Add(server.Pid);
                return new Running(resource, "redis", server.Endpoint.Address, [server.Pid]);
            case RedisClusterResource cluster:
                var nodes = await Own(await RedisCluster.StartAsync(cluster.Masters, cancellationToken: cancellationToken));
                _pids.AddRange(nodes.Nodes.Select(n => n.Pid));
                var note = "";
                if (cluster.SampleScale > 0)
                {
                    var report = await new StandardDataSet(cluster.SampleScale).LoadAsync(nodes.Endpoint, cancellationToken);
                    note = $", {report.Total:N0} sample keys";
                }
                return new Running(resource, $"redis cluster ({cluster.Masters} masters{note})", string.Join(",", nodes.Nodes.Select(n => n.Endpoint.Address)), nodes.Nodes.Select(n => n.Pid).ToList());
            case ProjectResource project:
                var processes = new List<ProjectProcess>();
                for (var i = 0; i < project.Replicas; i++)
                {
                    processes.Add(await Own(await ProjectProcess.StartAsync(project, i, Resolve, _clusterId, cancellationToken)));
                    _pids.Add(processes[^1].Pid);
                }
                if (project.IsJob)
                {
                    var exit = await processes[0].WaitForExitAsync(cancellationToken);
                    return new Running(resource, "job", "", [processes[0].Pid]) { ExitCode = exit };
                }
                return new Running(resource, $"project ×{project.Replicas}", string.Join(",", processes.Select(p => p.Address)), processes.Select(p => p.Pid).ToList());
            default:
                throw new InvalidOperationException($"no way to run {resource.Name}");
        }
    }

    /// <summary>Replaces {name.connectionString} with the running resource's address (a cluster's first node is its seed).</summary>
    private string Resolve(string text)
    {
        foreach (var (placeholder, value) in _secrets)
        {
            text = text.Replace(placeholder, value, StringComparison.Ordinal);
        }
        foreach (var (resource, task) in _started)
        {
            if (task.IsCompletedSuccessfully && text.Contains(resource.ConnectionString, StringComparison.Ordinal))
            {
                text = text.Replace(resource.ConnectionString, task.Result.Address.Split(',')[0], StringComparison.Ordinal);
            }
        }
        return text;
    }

    private async Task<T> Own<T>(T resource)
        where T : IAsyncDisposable
    {
        await Task.CompletedTask;
        lock (_owned)
        {
            _owned.Add(resource);
        }
        return resource;
    }

    private static void PrintStatus(List<Running> running)
    {
        Console.Error.WriteLine();
        Console.Error.WriteLine($"{"resource",-10} {"kind",-44} {"address",-50} pids");
        foreach (var r in running)
        {
            var address = r.Address.Length > 50 ? r.Address[..47] + "..." : r.Address;
            Console.Error.WriteLine($"{r.Resource.Name,-10} {r.Kind,-44} {address,-50} {string.Join(",", r.Pids.Select(p => p.ToString(CultureInfo.InvariantCulture)))}");
        }
        Console.Error.WriteLine();
    }

    private sealed record Running(Resource Resource, string Kind, string Address, IReadOnlyList<int> Pids)
    {
        public int ExitCode { get; init; }
    }
}
