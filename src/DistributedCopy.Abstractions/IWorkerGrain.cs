namespace DistributedCopy.Abstractions;

/// <summary>Key: a <see cref="WorkerKey"/> ("{jobId}/{index}"). Leases partitions and copies (or verifies) them in the background of its activation.</summary>
[Alias("dcopy.IWorkerGrain")]
public interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>Makes sure the loop runs (activating the worker where placement says); returns the silo it runs on.</summary>
    [Alias("EnsureRunning")]
    Task<string> EnsureRunningAsync();

    [Alias("Stop")]
    Task StopAsync();
}
