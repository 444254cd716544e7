using System.Diagnostics;

namespace DistributedCopy.Bench;

/// <summary>Runs this program again as a child (the copier, or the forwarder), stopped by its PID.</summary>
internal static class Children
{
    /// <summary>This program again, or with <paramref name="assembly"/> another build of it (an earlier commit's, for before/after rows).</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments, string? assembly = null)
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell this program's path");
        var start = new ProcessStartInfo(path) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardInput = true };
        if (assembly is not null)
        {
            start.FileName = "dotnet";
            start.ArgumentList.Add(assembly);
        }
        else if (Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Children).Assembly.Location);
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return start;
    }

    /// <summary>Runs a child to its end and returns the last line it printed.</summary>
    public static async Task<string> RunAsync(IEnumerable<string> arguments, string? assembly = null)
    {
        using var process = Process.Start(StartInfo(arguments, assembly)) ?? throw new InvalidOperationException("cannot start the child");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the child '{string.Join(' ', arguments.Take(1))}' failed with exit code {process.ExitCode}");
        }
        return output.Trim().Split('\n')[^1];
    }
}

/// <summary>The delay forwarder child: one listening port for each server port, and the address map for the copier.</summary>
internal sealed class Forwarder : IAsyncDisposable
{
    private readonly Process _process;

    private Forwarder(Process process, Dictionary<int, int> ports)
    {
        _process = process;
        Ports = ports;
        AddressMap = ports.ToDictionary(p => $"127.0.0.1:{p.Key}", p => $"127.0.0.1:{p.Value}", StringComparer.Ordinal);
    }

    public Dictionary<int, int> Ports { get; }

    public IReadOnlyDictionary<string, string> AddressMap { get; }

    public static async Task<Forwarder> StartAsync(double delayMs, IEnumerable<int> serverPorts)
    {
        var ports = serverPorts.ToDictionary(p => p, _ => DistributedCopy.Testing.PortAllocator.Next());
        var pairs = string.Join(",", ports.Select(p => $"{p.Value}={p.Key}"));
        var process = Process.Start(Children.StartInfo(["forward", "--delay-ms", delayMs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--pairs", pairs]))
            ?? throw new InvalidOperationException("cannot start the forwarder");
        var ready = await process.StandardOutput.ReadLineAsync();
        if (ready != "ready")
        {
            process.Kill();
            throw new InvalidOperationException("the forwarder did not start");
        }
        return new Forwarder(process, ports);
    }

    public DistributedCopy.Core.Cluster.RedisEndpoint Map(DistributedCopy.Core.Cluster.RedisEndpoint endpoint) => endpoint.WithAddress(endpoint.Host, Ports[endpoint.Port]);

    public async ValueTask DisposeAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
