namespace DistributedCopy.AppHost;

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
