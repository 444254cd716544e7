namespace DistributedCopy.AppHost;

/// <summary>A marker for a project in this repository, in the shape of Aspire's generated Projects.* types.</summary>
public interface IProjectMetadata
{
    /// <summary>Path of the .csproj from the repository root.</summary>
    static abstract string ProjectPath { get; }

    /// <summary>The assembly the project builds (run as `dotnet &lt;name&gt;.dll` from the AppHost's output folder).</summary>
    static abstract string AssemblyName { get; }
}
