using DistributedCopy.Aspire.Hosting;

namespace DistributedCopy.AppHost;

/// <summary>The demo's model: two 3-master clusters (sample data in the source), a control Redis, three silos and the copy job.</summary>
public static class Demo
{
    /// <summary>
    /// Runs <paramref name="create"/> from this assembly: Aspire.Hosting.Testing finds the orchestrator through the first
    /// assembly on the call stack that carries its path, which a test assembly does not.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    public static T FromAppHost<T>(Func<T> create) => create();

    /// <param name="folder">Where the local servers keep their settings and files (run mode only).</param>
    /// <param name="scale">The standard data set's scale loaded into the source (0.05: 54,550 keys).</param>
    public static IResourceBuilder<DistributedCopyResource> Add(IDistributedApplicationBuilder builder, string folder, double scale)
    {
        IResourceBuilder<IResourceWithConnectionString> source, target, control;
        if (builder.ExecutionContext.IsPublishMode)
        {
            // what a deployment runs: Aspire's Redis resources, each with a generated password parameter
            (source, target, control) = (builder.AddRedis("source"), builder.AddRedis("target"), builder.AddRedis("control"));
        }
        else
        {
            source = builder.AddRedisServerCluster("source", folder, masters: 3).WithSampleData(scale);
            target = builder.AddRedisServerCluster("target", folder, masters: 3);
            control = builder.AddRedisServer("control", folder,
                builder.AddParameter("control-password", new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true));
        }
        return builder.AddDistributedCopy<Projects.DistributedCopy_Cli, Projects.DistributedCopy_Silo>("copy")
            .WithSource(source)
            .WithTarget(target)
            .WithControl(control)
            .WithSilos(3)
            .WithSiloTls(Path.Combine(folder, "silo-tls"))
            .WithCopyArgs("--workers", "6", "--verify", "--json", "--progress", "log", "--interval", "1");
    }
}
