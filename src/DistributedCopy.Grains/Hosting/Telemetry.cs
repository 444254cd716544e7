using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DistributedCopy.Grains;

/// <summary>
/// OpenTelemetry for silos and dcopy: the project's meter and activity source with Orleans' alongside, exported by OTLP
/// when the standard OTEL_EXPORTER_OTLP_* variables name an endpoint (logs too), and to the console on a switch.
/// </summary>
public static class Telemetry
{
    public static readonly string[] OrleansMeters = ["Microsoft.Orleans"];

    public static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    public static IServiceCollection AddDistributedCopyTelemetry(this IServiceCollection services, string serviceName, bool console)
    {
        var otlp = !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT"));
        if (!otlp && !console)
        {
            return services;
        }
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? serviceName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter([Instruments.Name, .. OrleansMeters]);
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
                if (console)
                {
                    metrics.AddConsoleExporter();
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource([Instruments.Name, .. OrleansSources]);
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
                if (console)
                {
                    tracing.AddConsoleExporter();
                }
            });
        if (otlp)
        {
            // the log lines too (a silo's job and partition events), to the same collector: an orchestrator's dashboard shows them beside the spans
            services.AddOpenTelemetry().WithLogging(logging => logging.AddOtlpExporter());
        }
        return services;
    }
}
