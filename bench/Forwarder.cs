using System.Diagnostics;

namespace DistributedCopy.Bench;

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
