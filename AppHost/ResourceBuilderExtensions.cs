namespace DistributedCopy.AppHost;

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
