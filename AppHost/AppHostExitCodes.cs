namespace DistributedCopy.AppHost;

/// <summary>
/// The AppHost's own exit codes. Once the resources run, the job's exit code is the AppHost's (dcopy's codes: 0 copied and
/// verified, 1 differences, 5 job failed, …), so a script sees the job's outcome; the AppHost's own codes start at 10 so
/// they are never taken for one of the job's.
/// </summary>
public static class AppHostExitCodes
{
    /// <summary>The manifest was written, or the job ran and exited 0.</summary>
    public const int Success = 0;

    /// <summary>An unknown option or a missing value.</summary>
    public const int BadInput = 10;

    /// <summary>redis-server is not installed and could not be installed here.</summary>
    public const int RedisMissing = 11;

    /// <summary>The job never started: a resource it waits for failed (<see cref="DistributedCopy.Aspire.Hosting.DistributedCopyRun.JobNotStarted"/>).</summary>
    public const int JobNotStarted = DistributedCopy.Aspire.Hosting.DistributedCopyRun.JobNotStarted;
}
