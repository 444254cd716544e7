namespace DistributedCopy.AppHost;

/// <summary>Declares resources top-down, then either runs them (processes on loopback) or writes the Aspire manifest.</summary>
public sealed class DistributedApplication
{
    private readonly List<Resource> _resources;
    private readonly string[] _args;

    private DistributedApplication(List<Resource> resources, string[] args)
    {
        _resources = resources;
        _args = args;
    }

    public static DistributedApplicationBuilder CreateBuilder(string[] args) => new(args);

    public async Task<int> RunAsync()
    {
        var options = AppHostOptions.Parse(_args);
        if (options.Error is not null)
        {
            Console.Error.WriteLine("apphost: " + options.Error);
            return AppHostExitCodes.BadInput;
        }
        if (options.Publisher == "manifest")
        {
            var path = Path.GetFullPath(options.OutputPath ?? "aspire-manifest.json");
            await File.WriteAllTextAsync(path, ManifestWriter.Write(_resources, Path.GetDirectoryName(path)!, RepositoryRoot()));
            Console.Error.WriteLine($"wrote {path}");
            return AppHostExitCodes.Success;
        }
        await using var runner = new Runner(_resources);
        using var interrupt = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            interrupt.Cancel();
        };
        return await runner.RunAsync(interrupt.Token);
    }

    /// <summary>The folder holding DistributedCopy.sln, above the AppHost's output folder.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DistributedCopy.sln")))
            {
                return dir.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }

    public sealed class DistributedApplicationBuilder(string[] args)
    {
        private readonly List<Resource> _resources = [];

        /// <summary>Scale of the sample data set (--scale; default 0.05, about 55,000 keys).</summary>
        public double Scale { get; } = AppHostOptions.Parse(args).Scale;

        /// <summary>--dashboard: the first silo serves the Orleans dashboard; its address is in the status view.</summary>
        public bool Dashboard { get; } = AppHostOptions.Parse(args).Dashboard;

        public RedisResource AddRedis(string name) => Add(new RedisResource(name));

        public RedisClusterResource AddRedisCluster(string name, int masters) => Add(new RedisClusterResource(name, masters));

        public ProjectResource AddProject<T>(string name)
            where T : IProjectMetadata => Add(new ProjectResource(name, T.ProjectPath, T.AssemblyName));

        public DistributedApplication Build() => new(_resources, args);

        private T Add<T>(T resource)
            where T : Resource
        {
            if (_resources.Any(r => r.Name == resource.Name))
            {
                throw new ArgumentException($"a resource named {resource.Name} exists already");
            }
            _resources.Add(resource);
            return resource;
        }
    }
}
