using DistributedCopy.Grains;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace DistributedCopy.Silo;

/// <summary>Starts the silo (and, with a dashboard port, the Orleans dashboard), says "silo ready", runs until shut down.</summary>
internal static class SiloHost
{
    public static async Task<int> RunAsync(SiloSettings settings, CancellationToken cancellationToken)
    {
        using var host = Build(settings);
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // one line, naming the control by host:port only (its text may hold a password)
            Console.Error.WriteLine($"dcopy-silo: cannot start ({ex.GetType().Name}): {ServerText.Redact(ex.Message.Split('\n')[0], settings.Control?.Password)}");
            return SiloExitCodes.CannotStart;
        }
        Console.WriteLine($"silo ready: {settings.Advertise}:{settings.SiloPort} (gateway {settings.GatewayPort}), cluster {settings.ClusterId}{(settings.Tls is null ? "" : ", mutual TLS")}");
        if (settings.DashboardPort > 0)
        {
            Console.WriteLine($"dashboard: http://{settings.Advertise}:{settings.DashboardPort}/");
        }
        await host.WaitForShutdownAsync(CancellationToken.None);
        return SiloExitCodes.Success;
    }

    private static IHost Build(SiloSettings settings)
    {
        // with --dashboard-port the silo also serves the Orleans dashboard over HTTP
        IHostApplicationBuilder builder = settings.DashboardPort > 0 ? WebApplication.CreateBuilder() : Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("DistributedCopy", LogLevel.Information)
            .AddFilter("Orleans.Runtime.Silo", LogLevel.Error).AddFilter("Orleans.Hosting", LogLevel.Error).AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error)
            .AddSimpleConsole(o => (o.TimestampFormat, o.UseUtcTimestamp) = ("yyyy-MM-ddTHH:mm:ss.fffZ ", true));
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
            settings.Tls?.Apply(silo);
            silo.Services.AddSingleton<Orleans.Runtime.IFatalErrorHandler, SiloFatalErrorHandler>();
        });
        if (builder is WebApplicationBuilder web)
        {
            var app = web.Build();
            app.Urls.Add($"http://{settings.Advertise}:{settings.DashboardPort}");
            app.MapOrleansDashboard();
            return app;
        }
        return ((HostApplicationBuilder)builder).Build();
    }
}
