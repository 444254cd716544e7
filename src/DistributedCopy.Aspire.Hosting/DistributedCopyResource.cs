using Aspire.Hosting.ApplicationModel;

namespace DistributedCopy.Aspire.Hosting;

/// <summary>
/// A migration: the dcopy job that copies <see cref="Source"/> to <see cref="Target"/>, and, with a control Redis, the
/// silos that run its workers. The job and the silos are its children in the dashboard; its state is the job's.
/// </summary>
public sealed class DistributedCopyResource(string name) : Resource(name)
{
    /// <summary>The job: a project (the repository's own AppHost) or the installed dcopy tool.</summary>
    public IResource Job { get; internal set; } = null!;

    /// <summary>The silos (a project with replicas, or one executable per silo); empty when the job runs embedded.</summary>
    public List<IResource> Silos { get; } = [];

    public RedisReference? Source { get; internal set; }

    public RedisReference? Target { get; internal set; }

    public RedisReference? Control { get; internal set; }

    /// <summary>Arguments after the endpoints, e.g. --verify, --workers 6.</summary>
    public List<string> CopyArgs { get; } = [];

    /// <summary>Where a local run's silo certificates go (<see cref="DistributedCopyExtensions.WithSiloTls"/>), or null for plain TCP.</summary>
    public string? SiloTlsFolder { get; internal set; }

    /// <summary>The certificate files made for this run, once made.</summary>
    internal (string Certificate, string Key, string Authority)? SiloTlsFiles { get; set; }

    /// <summary>The silo cluster's id, shared by silos and job.</summary>
    public string ClusterId => Name;

    internal Launcher Launcher { get; init; } = null!;
}
