namespace DistributedCopy.AppHost;

/// <summary>Something the AppHost declares: a Redis, a Redis Cluster or a project run as a process.</summary>
public abstract class Resource(string name)
{
    public string Name { get; } = name;

    public List<Resource> WaitsFor { get; } = [];

    /// <summary>The placeholder a manifest uses for this resource's connection string; replaced by the real one when run.</summary>
    public string ConnectionString => $"{{{Name}.connectionString}}";
}

/// <summary>A Redis with a password: a secret parameter in the manifest, generated for each local run.</summary>
public sealed class RedisResource(string name) : Resource(name)
{
    /// <summary>The secret parameter that holds the password (parameter.v0, secret: true, in the manifest).</summary>
    public string PasswordParameter => $"{Name}-password";

    /// <summary>The placeholder for the password's value; replaced by the real one when run.</summary>
    public string Password => $"{{{PasswordParameter}.value}}";

    /// <summary>The environment variable a DistributedCopy process reads this Redis's password from.</summary>
    public string PasswordVariable => $"DCOPY_{Name.ToUpperInvariant()}_PASSWORD";
}

public sealed class RedisClusterResource(string name, int masters) : Resource(name)
{
    public int Masters { get; } = masters;

    /// <summary>Scale of the standard data set loaded once the cluster is up; 0 for none.</summary>
    public double SampleScale { get; set; }
}

/// <summary>A marker for a project in this repository, in the shape of Aspire's generated Projects.* types.</summary>
public interface IProjectMetadata
{
    /// <summary>Path of the .csproj from the repository root.</summary>
    static abstract string ProjectPath { get; }

    /// <summary>The assembly the project builds (run as `dotnet &lt;name&gt;.dll` from the AppHost's output folder).</summary>
    static abstract string AssemblyName { get; }
}

public sealed class ProjectResource(string name, string projectPath, string assemblyName) : Resource(name)
{
    public string ProjectPath { get; } = projectPath;

    public string AssemblyName { get; } = assemblyName;

    public int Replicas { get; set; } = 1;

    public List<Resource> References { get; } = [];

    public List<string> Args { get; } = [];

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Runs to its end; its exit code is the AppHost's.</summary>
    public bool IsJob { get; set; }

    /// <summary>The first replica serves the Orleans dashboard.</summary>
    public bool Dashboard { get; set; }
}

public static class ResourceBuilderExtensions
{
    public static RedisClusterResource WithSampleData(this RedisClusterResource cluster, double scale)
    {
        cluster.SampleScale = scale;
        return cluster;
    }

    public static ProjectResource WithReplicas(this ProjectResource project, int replicas)
    {
        project.Replicas = replicas;
        return project;
    }

    /// <summary>
    /// Gives the project the resource's connection string as ConnectionStrings__{name}, and a Redis's password as a variable
    /// of its own (DCOPY_{NAME}_PASSWORD), so the password is in no connection string, argument or manifest value.
    /// </summary>
    public static ProjectResource WithReference(this ProjectResource project, Resource resource)
    {
        project.References.Add(resource);
        project.Environment[$"ConnectionStrings__{resource.Name}"] = resource.ConnectionString;
        if (resource is RedisResource redis)
        {
            project.Environment[redis.PasswordVariable] = redis.Password;
        }
        return project;
    }

    public static ProjectResource WithArgs(this ProjectResource project, params string[] args)
    {
        project.Args.AddRange(args);
        return project;
    }

    public static T WaitFor<T>(this T resource, Resource dependency)
        where T : Resource
    {
        resource.WaitsFor.Add(dependency);
        return resource;
    }

    public static ProjectResource WithDashboard(this ProjectResource project)
    {
        project.Dashboard = true;
        return project;
    }

    public static ProjectResource AsJob(this ProjectResource project)
    {
        project.IsJob = true;
        return project;
    }
}
