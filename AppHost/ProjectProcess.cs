using System.Diagnostics;
using System.Globalization;
using DistributedCopy.Testing;

namespace DistributedCopy.AppHost;

/// <summary>One replica of a project: `dotnet &lt;assembly&gt;.dll` from this folder, its output prefixed with its name.</summary>
public sealed class ProjectProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _output;

    private ProjectProcess(Process process, string address, Task output)
    {
        _process = process;
        Address = address;
        _output = output;
    }

    public int Pid => _process.Id;

    public string Address { get; }

    public static async Task<ProjectProcess> StartAsync(ProjectResource project, int replica, Func<string, string> resolve, string clusterId, CancellationToken cancellationToken)
    {
        var name = project.Replicas > 1 ? $"{project.Name}-{replica}" : project.Name;
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, project.AssemblyName + ".dll"));
        foreach (var arg in project.Args)
        {
            start.ArgumentList.Add(resolve(arg));
        }
        foreach (var (key, value) in project.Environment)
        {
            start.Environment[key] = resolve(value);
        }
        start.Environment["OTEL_SERVICE_NAME"] = project.Name;
        start.Environment["DCOPY_CLUSTER_ID"] = clusterId;
        var address = "";
        if (!project.IsJob)
        {
            var siloPort = PortAllocator.Next();
            start.Environment["DCOPY_SILO_PORT"] = siloPort.ToString(CultureInfo.InvariantCulture);
            start.Environment["DCOPY_GATEWAY_PORT"] = PortAllocator.Next().ToString(CultureInfo.InvariantCulture);
            address = "127.0.0.1:" + siloPort;
            if (project.Dashboard && replica == 0)
            {
                var dashboardPort = PortAllocator.Next();
                start.Environment["DCOPY_DASHBOARD_PORT"] = dashboardPort.ToString(CultureInfo.InvariantCulture);
                Console.Error.WriteLine($"apphost: Orleans dashboard on http://127.0.0.1:{dashboardPort}/ (silo {name})");
            }
        }
        else
        {
            start.ArgumentList.Add("--cluster-id");
            start.ArgumentList.Add(clusterId);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {name}");
        ProcessRegistry.Add(process);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = Task.WhenAll(
            PumpAsync(process.StandardOutput, name, project.IsJob ? Console.Out : Console.Error, line =>
            {
                if (line.StartsWith("silo ready", StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
            }),
            PumpAsync(process.StandardError, name, Console.Error, _ => { }));
        if (!project.IsJob)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            await Task.WhenAny(ready.Task, process.WaitForExitAsync(timeout.Token));
            if (!ready.Task.IsCompleted)
            {
                ProcessRegistry.Stop(process);
                throw new InvalidOperationException($"{name} did not become ready");
            }
        }
        return new ProjectProcess(process, address, output);
    }

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        await _output;
        return _process.ExitCode;
    }

    public ValueTask DisposeAsync()
    {
        ProcessRegistry.Stop(_process, TimeSpan.FromSeconds(10));
        return ValueTask.CompletedTask;
    }

    /// <summary>Lines of a job's stdout (its JSON summary) go to stdout as they are; everything else is prefixed.</summary>
    private static async Task PumpAsync(StreamReader reader, string name, TextWriter to, Action<string> onLine)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            onLine(line);
            await to.WriteLineAsync(to == Console.Out ? line : $"[{name}] {line}");
        }
    }
}
