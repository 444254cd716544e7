using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace DistributedCopy.Aspire.Hosting;

/// <summary>How the job and the silos are started: as projects of the AppHost's solution, or as the installed tools.</summary>
internal abstract class Launcher
{
    public abstract IResource AddJob(IDistributedApplicationBuilder builder, string name);

    public abstract IReadOnlyList<IResource> AddSilos(IDistributedApplicationBuilder builder, string name, int count);

    /// <summary>dcopy and dcopy-silo from the PATH (dotnet tool install -g DistributedCopy.Cli / DistributedCopy.Silo).</summary>
    public sealed class Tools : Launcher
    {
        public override IResource AddJob(IDistributedApplicationBuilder builder, string name) =>
            builder.AddExecutable(name, "dcopy", ".").WithOtlpExporter().Resource;

        public override IReadOnlyList<IResource> AddSilos(IDistributedApplicationBuilder builder, string name, int count) =>
            Enumerable.Range(0, count).Select(i => (IResource)builder.AddExecutable($"{name}-{i}", "dcopy-silo", ".").WithOtlpExporter().Resource).ToList();
    }

    /// <summary>The solution's own projects: the job and the silos (one project, replicas).</summary>
    public sealed class Projects<TCli, TSilo> : Launcher
        where TCli : IProjectMetadata, new()
        where TSilo : IProjectMetadata, new()
    {
        public override IResource AddJob(IDistributedApplicationBuilder builder, string name) => builder.AddProject<TCli>(name).Resource;

        public override IReadOnlyList<IResource> AddSilos(IDistributedApplicationBuilder builder, string name, int count) =>
            [builder.AddProject<TSilo>(name).WithReplicas(count).Resource];
    }
}
