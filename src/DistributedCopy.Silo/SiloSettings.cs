using System.CommandLine;
using System.Net;
using DistributedCopy.Grains;
using StackExchange.Redis;

namespace DistributedCopy.Silo;

/// <summary>What the silo runs with, checked before anything starts; <see cref="Error"/> says in one line what is wrong.</summary>
internal sealed record SiloSettings(ConfigurationOptions? Control, string ClusterId, int SiloPort, int GatewayPort, string Advertise, string? Error,
    MembershipTimings? Timings = null)
{
    public int DashboardPort { get; init; }

    /// <summary>Mutual TLS with the other silos and the clients, or null (plain TCP).</summary>
    public SiloTls? Tls { get; init; }

    public static SiloSettings From(ParseResult result)
    {
        if (result.GetValue(SiloCommand.Control) is not { } control)
        {
            return Invalid("--control <redis> is required: the Redis that holds membership, job state and reminders");
        }
        ConfigurationOptions parsed;
        try
        {
            // read as dcopy reads it: a connection string or a URI, the password from a file, a variable or the text
            parsed = ControlRedis.Options(ControlRedis.Parse(control, result.GetValue(SiloCommand.ControlPasswordFile), result.GetValue(SiloCommand.ControlPasswordEnv)));
        }
        catch (EndpointTextException ex)
        {
            return Invalid(ex.Message);
        }
        var advertise = result.GetValue(SiloCommand.Advertise)!;
        if (!IPAddress.TryParse(advertise, out _))
        {
            return Invalid($"--advertise takes an IP address, not {advertise}");
        }
        var timings = result.GetValue(SiloCommand.Failover) == "relaxed" ? MembershipTimings.Relaxed : new MembershipTimings();
        SiloTls? tls;
        try
        {
            tls = SiloTls.FromOptions(result.GetValue(SiloCommand.SiloCert), result.GetValue(SiloCommand.SiloKey), result.GetValue(SiloCommand.SiloCa));
        }
        catch (ArgumentException ex)
        {
            return Invalid(ex.Message);
        }
        return new SiloSettings(parsed, result.GetValue(SiloCommand.ClusterId)!, PortOrFree(result.GetValue(SiloCommand.SiloPort), advertise),
            PortOrFree(result.GetValue(SiloCommand.GatewayPort), advertise), advertise, null, timings) { DashboardPort = result.GetValue(SiloCommand.DashboardPort), Tls = tls };
    }

    /// <summary>Port 0: a free port of the advertised address, picked now (replicas started with one environment need one each).</summary>
    private static int PortOrFree(int port, string advertise)
    {
        if (port != 0)
        {
            return port;
        }
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Parse(advertise), 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static SiloSettings Invalid(string error) => new(null, "", 0, 0, "", error);
}
