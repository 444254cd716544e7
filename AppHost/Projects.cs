namespace Projects;

// Hand-written in the shape of the types Aspire generates for each project an AppHost references.
#pragma warning disable CA1707 // the names follow Aspire's: project name with '.' as '_'

public sealed class DistributedCopy_Silo : DistributedCopy.AppHost.IProjectMetadata
{
    public static string ProjectPath => "src/DistributedCopy.Silo/DistributedCopy.Silo.csproj";

    public static string AssemblyName => "DistributedCopy.Silo";
}

public sealed class DistributedCopy_Cli : DistributedCopy.AppHost.IProjectMetadata
{
    public static string ProjectPath => "src/DistributedCopy.Cli/DistributedCopy.Cli.csproj";

    public static string AssemblyName => "dcopy";
}
