using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Eventing;
using Microsoft.Extensions.DependencyInjection;

namespace DistributedCopy.Aspire.Hosting;

// DistributedCopyExtensions, part 2: what the job's and the silos' processes are started with (arguments, environment, TLS, telemetry, passwords), and the job's state mirrored into the dashboard.
public static partial class DistributedCopyExtensions
{
    private static async Task JobArgsAsync(DistributedCopyResource resource, CommandLineArgsCallbackContext context)
    {
        var execution = context.ExecutionContext;
        context.Args.Add("copy");
        context.Args.Add("--source");
        context.Args.Add(await resource.Source!.AddressAsync(execution, context.CancellationToken).ConfigureAwait(false));
        context.Args.Add("--target");
        context.Args.Add(await resource.Target!.AddressAsync(execution, context.CancellationToken).ConfigureAwait(false));
        if (resource.Control is { } control)
        {
            context.Args.Add("--control");
            context.Args.Add(await control.AddressAsync(execution, context.CancellationToken).ConfigureAwait(false));
            context.Args.Add("--cluster-id");
            context.Args.Add(resource.ClusterId);
        }
        foreach (var arg in resource.CopyArgs)
        {
            context.Args.Add(arg);
        }
    }

    private static async Task JobEnvironmentAsync(DistributedCopyResource resource, EnvironmentCallbackContext context)
    {
        Telemetry(context);
        SiloTls(resource, context);
        foreach (var reference in new[] { resource.Source, resource.Target, resource.Control })
        {
            await PasswordAsync(reference, context).ConfigureAwait(false);
        }
    }

    /// <summary>A silo finds the control, its cluster and free ports of its own (replicas share one environment).</summary>
    private static async Task SiloEnvironmentAsync(DistributedCopyResource resource, EnvironmentCallbackContext context)
    {
        if (resource.Control is { } control)
        {
            context.EnvironmentVariables["DCOPY_CONTROL"] = await control.AddressAsync(context.ExecutionContext, context.CancellationToken).ConfigureAwait(false);
        }
        Telemetry(context);
        SiloTls(resource, context);
        context.EnvironmentVariables["DCOPY_CLUSTER_ID"] = resource.ClusterId;
        context.EnvironmentVariables["DCOPY_SILO_PORT"] = "0";
        context.EnvironmentVariables["DCOPY_GATEWAY_PORT"] = "0";
        // the workers run on the silos and read the source's and target's passwords from their own environment
        foreach (var reference in new[] { resource.Source, resource.Target, resource.Control })
        {
            await PasswordAsync(reference, context).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Spans and metrics reach the dashboard every second, as Aspire sets it for development only (the OTLP default is
    /// a minute for metrics: a silo's copy would show there only after it ended). Set on the resource, the resource's value wins.
    /// </summary>
    private static void SiloTls(DistributedCopyResource resource, EnvironmentCallbackContext context)
    {
        if (resource.SiloTlsFiles is { } files && !context.ExecutionContext.IsPublishMode)
        {
            context.EnvironmentVariables["DCOPY_SILO_CERT"] = files.Certificate;
            context.EnvironmentVariables["DCOPY_SILO_KEY"] = files.Key;
            context.EnvironmentVariables["DCOPY_SILO_CA"] = files.Authority;
        }
    }

    private static void Telemetry(EnvironmentCallbackContext context)
    {
        if (context.ExecutionContext.IsPublishMode)
        {
            return;
        }
        context.EnvironmentVariables.TryAdd("OTEL_METRIC_EXPORT_INTERVAL", "1000");
        context.EnvironmentVariables.TryAdd("OTEL_BSP_SCHEDULE_DELAY", "1000");
        context.EnvironmentVariables.TryAdd("OTEL_BLRP_SCHEDULE_DELAY", "1000");
    }

    private static async Task PasswordAsync(RedisReference? reference, EnvironmentCallbackContext context)
    {
        if (reference is not null && await reference.PasswordAsync(context.ExecutionContext, context.CancellationToken).ConfigureAwait(false) is { } password)
        {
            context.EnvironmentVariables[reference.PasswordVariable] = password;
        }
    }

    private static IResourceBuilder<DistributedCopyResource> WaitsFor(IResourceBuilder<DistributedCopyResource> migration, IResource dependency, IResource waiter)
    {
        if (!waiter.Annotations.OfType<WaitAnnotation>().Any(w => w.Resource == dependency))
        {
            waiter.Annotations.Add(new WaitAnnotation(dependency, WaitType.WaitUntilHealthy));
            waiter.Annotations.Add(new ResourceRelationshipAnnotation(dependency, "WaitFor"));
        }
        return migration;
    }

    private static async Task MirrorJobAsync(ResourceNotificationService notifications, DistributedCopyResource resource)
    {
        try
        {
            await foreach (var e in notifications.WatchAsync().ConfigureAwait(false))
            {
                if (e.Resource != resource.Job || e.Snapshot.State is null)
                {
                    continue;
                }
                var snapshot = e.Snapshot;
                await notifications.PublishUpdateAsync(resource, s => s with
                {
                    State = snapshot.State,
                    ExitCode = snapshot.ExitCode,
                    StartTimeStamp = snapshot.StartTimeStamp,
                    StopTimeStamp = snapshot.StopTimeStamp,
                    Properties = [new("silos", resource.Silos.Count.ToString(CultureInfo.InvariantCulture))],
                }).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // the application stops
        }
    }
}
