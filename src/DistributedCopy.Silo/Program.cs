using System.Globalization;
using DistributedCopy.Grains;
using Microsoft.AspNetCore.Builder;
using Orleans.Dashboard;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

// A silo of a DistributedCopy cluster: joins through the control Redis, hosts coordinator and worker grains.
//   DistributedCopy.Silo --control <host:port[,user=...,ssl=true]> [--control-password-file PATH | --control-password-env NAME] [--cluster-id dcopy]
//                        [--silo-port 11111] [--gateway-port 30000] [--advertise 127.0.0.1] [--failover fast|relaxed]
//                        [--dashboard-port N]   (serves the Orleans dashboard on http://<advertise>:N/; off by default)
// --failover fast (the default) declares a dead silo in under 5 s; relaxed keeps Orleans' defaults (about 10-60 s), for
// hosts with long GC pauses, where fast timings could declare a live silo dead.
// Every option may also come from the environment: DCOPY_CONTROL, DCOPY_CLUSTER_ID, DCOPY_SILO_PORT, DCOPY_GATEWAY_PORT, DCOPY_ADVERTISE.
// The control's password: --control-password-file, else --control-password-env, else DCOPY_CONTROL_PASSWORD, else password= in --control. Job passwords
// given to dcopy as references (env:NAME, file:PATH) are resolved from this process's environment and files.
var settings = SiloSettings.Parse(args);
if (settings.Error is not null)
{
    Console.Error.WriteLine("dcopy-silo: " + settings.Error);
    return 2;
}

// with --dashboard-port the silo also serves the Orleans dashboard over HTTP
IHostApplicationBuilder builder = settings.DashboardPort > 0 ? WebApplication.CreateBuilder() : Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("DistributedCopy", LogLevel.Information)
    .AddFilter("Orleans.Runtime.Silo", LogLevel.Error).AddFilter("Orleans.Hosting", LogLevel.Error).AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
// OTLP through the standard OTEL_EXPORTER_OTLP_* variables; DCOPY_OTEL_CONSOLE=1 prints metrics and spans instead
builder.Services.AddDistributedCopyTelemetry("dcopy-silo", Environment.GetEnvironmentVariable("DCOPY_OTEL_CONSOLE") == "1");
builder.UseOrleans(silo =>
{
    silo.UseControlRedis(settings.Control!, settings.ClusterId, settings.Timings!);
    silo.Configure<EndpointOptions>(o =>
    {
        o.AdvertisedIPAddress = System.Net.IPAddress.Parse(settings.Advertise);
        o.SiloPort = settings.SiloPort;
        o.GatewayPort = settings.GatewayPort;
        // listen on the advertised address only (loopback by default), never on every interface: silo traffic is not encrypted
        o.SiloListeningEndpoint = new System.Net.IPEndPoint(o.AdvertisedIPAddress, settings.SiloPort);
        o.GatewayListeningEndpoint = new System.Net.IPEndPoint(o.AdvertisedIPAddress, settings.GatewayPort);
    });
    if (settings.DashboardPort > 0)
    {
        silo.AddDashboard();
    }
});
IHost host;
if (builder is WebApplicationBuilder web)
{
    var app = web.Build();
    app.Urls.Add($"http://{settings.Advertise}:{settings.DashboardPort}");
    app.MapOrleansDashboard();
    host = app;
}
else
{
    host = ((HostApplicationBuilder)builder).Build();
}
await host.StartAsync();
Console.WriteLine($"silo ready: {settings.Advertise}:{settings.SiloPort} (gateway {settings.GatewayPort}), cluster {settings.ClusterId}");
if (settings.DashboardPort > 0)
{
    Console.WriteLine($"dashboard: http://{settings.Advertise}:{settings.DashboardPort}/");
}
await host.WaitForShutdownAsync();
host.Dispose();
return 0;

internal sealed record SiloSettings(ConfigurationOptions? Control, string ClusterId, int SiloPort, int GatewayPort, string Advertise, string? Error, MembershipTimings? Timings = null)
{
    public int DashboardPort { get; init; }

    public static SiloSettings Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                return Invalid($"unexpected argument number {i + 1} (options: --control, --control-password-file, --control-password-env, --cluster-id, --silo-port, --gateway-port, --advertise, --failover, --dashboard-port)");
            }
            values[args[i][2..]] = args[++i];
        }
        string? Get(string name) => values.GetValueOrDefault(name) ?? Environment.GetEnvironmentVariable("DCOPY_" + name.Replace('-', '_').ToUpperInvariant());
        // an orchestrator hands over references as ConnectionStrings__<name>
        var control = Get("control") ?? Environment.GetEnvironmentVariable("ConnectionStrings__control");
        if (control is null)
        {
            return Invalid("--control <redis> is required: the Redis that holds membership, job state and reminders");
        }
        if (ControlText.Parse(control) is not { } parsed)
        {
            return Invalid("--control is not a Redis connection string (host:port[,user=...,ssl=true]; the password is best given with --control-password-file or --control-password-env)");
        }
        parsed.AbortOnConnectFail = false;
        // the control's password from a mounted file or the environment, so it is not on the command line
        if (Get("control-password-file") is { } passwordFile)
        {
            try
            {
                parsed.Password = File.ReadAllText(passwordFile).TrimEnd('\r', '\n');
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return Invalid($"--control-password-file: the file {passwordFile} cannot be read");
            }
        }
        else if (Get("control-password-env") is { } variable)
        {
            if (Environment.GetEnvironmentVariable(variable) is not { Length: > 0 } fromVariable)
            {
                return Invalid($"--control-password-env: the environment variable {variable} is not set");
            }
            parsed.Password = fromVariable;
        }
        else if (Environment.GetEnvironmentVariable("DCOPY_CONTROL_PASSWORD") is { Length: > 0 } password)
        {
            parsed.Password = password;
        }
        if (!int.TryParse(Get("silo-port") ?? "11111", CultureInfo.InvariantCulture, out var siloPort) || !int.TryParse(Get("gateway-port") ?? "30000", CultureInfo.InvariantCulture, out var gatewayPort))
        {
            return Invalid("--silo-port and --gateway-port take port numbers");
        }
        var timings = (Get("failover") ?? "fast") switch
        {
            "fast" => new MembershipTimings(),
            "relaxed" => MembershipTimings.Relaxed,
            var other => null,
        };
        if (timings is null)
        {
            return Invalid("--failover takes fast or relaxed");
        }
        if (!int.TryParse(Get("dashboard-port") ?? "0", CultureInfo.InvariantCulture, out var dashboardPort) || dashboardPort is < 0 or > 65535)
        {
            return Invalid("--dashboard-port takes a port number");
        }
        return new SiloSettings(parsed, Get("cluster-id") ?? "dcopy", siloPort, gatewayPort, Get("advertise") ?? "127.0.0.1", null, timings) { DashboardPort = dashboardPort };
    }

    private static SiloSettings Invalid(string error) => new(null, "", 0, 0, "", error);
}
