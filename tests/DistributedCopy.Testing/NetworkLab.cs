using System.Diagnostics;
using System.Globalization;

namespace DistributedCopy.Testing;

/// <summary>
/// Separate hosts on this machine: a network namespace per host, each joined by a veth pair to a bridge in a "switch"
/// namespace, and the test's own (root) namespace joined to it too at <see cref="RootAddress"/> — where the test's Redis
/// servers listen. <see cref="CutAsync"/> takes a host's link down (a real partition). Everything is made here, on a /24
/// of 10.231.0.0/16 no other lab uses, and deleted on dispose; nothing reaches beyond these namespaces.
/// </summary>
public sealed class NetworkLab : IAsyncDisposable
{
    private readonly string _name;
    private readonly int _subnet;
    private readonly List<string> _namespaces = [];

    private NetworkLab(string name, int subnet, int hosts)
    {
        _name = name;
        _subnet = subnet;
        Hosts = hosts;
    }

    public int Hosts { get; }

    /// <summary>The root namespace's address on the lab's network.</summary>
    public string RootAddress => Address(254);

    public string HostAddress(int host) => Address(host + 1);

    public string Namespace(int host) => $"{_name}-h{host}";

    public static async Task<NetworkLab> StartAsync(int hosts)
    {
        var subnet = Random.Shared.Next(1, 250);
        var lab = new NetworkLab("dc" + Guid.NewGuid().ToString("N")[..5], subnet, hosts);
        try
        {
            var sw = lab._name + "-sw";
            await lab.AddNamespaceAsync(sw);
            await IpAsync("netns", "exec", sw, "ip", "link", "add", "br0", "type", "bridge");
            await IpAsync("netns", "exec", sw, "ip", "link", "set", "br0", "up");
            await lab.PlugAsync(lab._name + "r", null, lab.RootAddress);
            for (var host = 0; host < hosts; host++)
            {
                await lab.AddNamespaceAsync(lab.Namespace(host));
                await IpAsync("netns", "exec", lab.Namespace(host), "ip", "link", "set", "lo", "up");
                await lab.PlugAsync(lab._name + "h" + host.ToString(CultureInfo.InvariantCulture), lab.Namespace(host), lab.HostAddress(host));
            }
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Takes the host's link to the switch down: it reaches nothing and nothing reaches it.</summary>
    public Task CutAsync(int host) => IpAsync("netns", "exec", _name + "-sw", "ip", "link", "set", _name + "h" + host.ToString(CultureInfo.InvariantCulture) + "b", "down");

    /// <summary>
    /// Cuts hosts <paramref name="a"/> and <paramref name="b"/> off from each other only (a blackhole route each way: their
    /// packets to each other vanish, nothing is refused), each still reaching every other host and the root.
    /// </summary>
    public async Task SeparateAsync(int a, int b)
    {
        await IpAsync("netns", "exec", Namespace(a), "ip", "route", "add", "blackhole", HostAddress(b) + "/32");
        await IpAsync("netns", "exec", Namespace(b), "ip", "route", "add", "blackhole", HostAddress(a) + "/32");
    }

    public async ValueTask DisposeAsync()
    {
        // a namespace's veth ends go with it, and with the switch the root's veth
        foreach (var ns in Enumerable.Reverse(_namespaces))
        {
            await IpAsync("netns", "del", ns).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        await IpAsync("link", "del", _name + "r").ContinueWith(_ => { }, TaskScheduler.Default);
    }

    private string Address(int last) => string.Create(CultureInfo.InvariantCulture, $"10.231.{_subnet}.{last}");

    private async Task AddNamespaceAsync(string ns)
    {
        await IpAsync("netns", "add", ns);
        _namespaces.Add(ns);
    }

    /// <summary>A veth pair: one end (named <paramref name="link"/>) in <paramref name="ns"/> (null: root) with the address, the other on the bridge.</summary>
    private async Task PlugAsync(string link, string? ns, string address)
    {
        var sw = _name + "-sw";
        await IpAsync("link", "add", link, "type", "veth", "peer", "name", link + "b");
        await IpAsync("link", "set", link + "b", "netns", sw);
        await IpAsync("netns", "exec", sw, "ip", "link", "set", link + "b", "master", "br0");
        await IpAsync("netns", "exec", sw, "ip", "link", "set", link + "b", "up");
        string[] inside = ns is null ? [] : ["netns", "exec", ns, "ip"];
        if (ns is not null)
        {
            await IpAsync("link", "set", link, "netns", ns);
        }
        await IpAsync([.. inside, "addr", "add", address + "/24", "dev", link]);
        await IpAsync([.. inside, "link", "set", link, "up"]);
    }

    private static async Task IpAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot run ip");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)}: {error.Trim()}");
        }
    }
}
