using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Eventing;
using Microsoft.Extensions.DependencyInjection;

namespace DistributedCopy.Aspire.Hosting;

/// <summary>
/// A migration in an AppHost:
/// <code>
/// builder.AddDistributedCopy("migrate").WithSource(oldCache).WithTarget(newCache).WithControl(control).WithSilos(3);
/// </code>
/// The job waits for its source, target, control and silos; its exit code is the migration's (see
/// <see cref="DistributedCopyRun.RunMigrationAsync"/>).
/// </summary>
public static partial class DistributedCopyExtensions
{
    /// <summary>A migration run by the installed tools: dcopy and dcopy-silo on the PATH.</summary>
    public static IResourceBuilder<DistributedCopyResource> AddDistributedCopy(this IDistributedApplicationBuilder builder, string name) =>
        Add(builder, name, new Launcher.Tools());

    /// <summary>A migration run by the solution's own projects (dcopy's and the silo host's).</summary>
    public static IResourceBuilder<DistributedCopyResource> AddDistributedCopy<TCli, TSilo>(this IDistributedApplicationBuilder builder, string name)
        where TCli : IProjectMetadata, new()
        where TSilo : IProjectMetadata, new() =>
        Add(builder, name, new Launcher.Projects<TCli, TSilo>());

    public static IResourceBuilder<DistributedCopyResource> WithSource(this IResourceBuilder<DistributedCopyResource> migration, IResourceBuilder<IResourceWithConnectionString> source)
    {
        migration.Resource.Source = new RedisReference("source", source.Resource);
        return WaitsFor(migration, source.Resource, migration.Resource.Job);
    }

    public static IResourceBuilder<DistributedCopyResource> WithTarget(this IResourceBuilder<DistributedCopyResource> migration, IResourceBuilder<IResourceWithConnectionString> target)
    {
        migration.Resource.Target = new RedisReference("target", target.Resource);
        return WaitsFor(migration, target.Resource, migration.Resource.Job);
    }

    /// <summary>The Redis that holds the silos' membership and the job's state; without it the job runs embedded, in dcopy itself.</summary>
    public static IResourceBuilder<DistributedCopyResource> WithControl(this IResourceBuilder<DistributedCopyResource> migration, IResourceBuilder<IResourceWithConnectionString> control)
    {
        migration.Resource.Control = new RedisReference("control", control.Resource);
        WaitsFor(migration, control.Resource, migration.Resource.Job);
        foreach (var silo in migration.Resource.Silos)
        {
            WaitsFor(migration, control.Resource, silo);
        }
        return migration;
    }

    /// <summary>Silos that run the job's workers (needs <see cref="WithControl"/>): a project with replicas, or one dcopy-silo each.</summary>
    public static IResourceBuilder<DistributedCopyResource> WithSilos(this IResourceBuilder<DistributedCopyResource> migration, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var resource = migration.Resource;
        if (resource.Silos.Count > 0)
        {
            throw new InvalidOperationException($"{resource.Name} has its silos already");
        }
        foreach (var silo in resource.Launcher.AddSilos(migration.ApplicationBuilder, $"{resource.Name}-silo", count))
        {
            resource.Silos.Add(silo);
            silo.Annotations.Add(new ResourceRelationshipAnnotation(resource, "Parent"));
            silo.Annotations.Add(new EnvironmentCallbackAnnotation(context => SiloEnvironmentAsync(resource, context)));
            WaitsFor(migration, silo, resource.Job);
            if (resource.Control is { } control)
            {
                WaitsFor(migration, control.Resource, silo);
            }
        }
        return migration;
    }

    /// <summary>
    /// Mutual TLS between the silos and from dcopy to them, on a CA made for this run (a local run only: a deployment
    /// hands each process its certificate files through DCOPY_SILO_CERT, DCOPY_SILO_KEY and DCOPY_SILO_CA).
    /// </summary>
    /// <param name="folder">Where the CA and certificate are written (a temporary folder when null).</param>
    public static IResourceBuilder<DistributedCopyResource> WithSiloTls(this IResourceBuilder<DistributedCopyResource> migration, string? folder = null)
    {
        migration.Resource.SiloTlsFolder = folder ?? Path.Combine(Path.GetTempPath(), "dcopy-silo-tls-" + Guid.NewGuid().ToString("N")[..8]);
        return migration;
    }

    /// <summary>Options of dcopy copy after the endpoints (e.g. "--verify", "--workers", "6").</summary>
    public static IResourceBuilder<DistributedCopyResource> WithCopyArgs(this IResourceBuilder<DistributedCopyResource> migration, params string[] args)
    {
        migration.Resource.CopyArgs.AddRange(args);
        return migration;
    }

    private static IResourceBuilder<DistributedCopyResource> Add(IDistributedApplicationBuilder builder, string name, Launcher launcher)
    {
        var resource = new DistributedCopyResource(name) { Launcher = launcher };
        resource.Job = launcher.AddJob(builder, $"{name}-job");
        resource.Job.Annotations.Add(new ResourceRelationshipAnnotation(resource, "Parent"));
        resource.Job.Annotations.Add(new CommandLineArgsCallbackAnnotation(context => JobArgsAsync(resource, context)));
        resource.Job.Annotations.Add(new EnvironmentCallbackAnnotation(context => JobEnvironmentAsync(resource, context)));
        builder.Eventing.Subscribe<BeforeStartEvent>((e, cancellationToken) =>
        {
            Check(resource);
            if (!builder.ExecutionContext.IsPublishMode)
            {
                if (resource.SiloTlsFolder is { } folder)
                {
                    resource.SiloTlsFiles = LocalCertificates.Create(folder);
                }
                // the migration's state in the dashboard is its job's
                var notifications = e.Services.GetRequiredService<ResourceNotificationService>();
                _ = MirrorJobAsync(notifications, resource);
            }
            return Task.CompletedTask;
        });
        return builder.AddResource(resource)
            .WithInitialState(new CustomResourceSnapshot { ResourceType = "DistributedCopy", State = KnownResourceStates.NotStarted, Properties = [] })
            .ExcludeFromManifest();
    }

    private static void Check(DistributedCopyResource resource)
    {
        if (resource.Source is null || resource.Target is null)
        {
            throw new InvalidOperationException($"{resource.Name}: a migration needs WithSource and WithTarget");
        }
        if (resource.Silos.Count > 0 && resource.Control is null)
        {
            throw new InvalidOperationException($"{resource.Name}: silos need a control Redis (WithControl)");
        }
    }
}
