namespace DistributedCopy.Cli;

/// <summary>
/// One dcopy at a time per job in a state directory (two running one job would overwrite each other's checkpoints), and
/// any number of jobs beside each other: each job has its own lock file, and the dcopy that holds it writes beside it the
/// loopback port of its silo's gateway, where a second dcopy attaches to look at or steer that job.
/// </summary>
internal static class JobLock
{
    /// <summary>A job's lock, held with the state directory's shared one.</summary>
    public sealed class Held(FileStream job, FileStream directory) : IDisposable
    {
        public void Dispose()
        {
            job.Dispose();
            directory.Dispose();
        }
    }

    /// <summary>The job's lock (null: another dcopy holds it, and <paramref name="attach"/>). A command that runs jobs waits a few seconds for one that only looked.</summary>
    public static Held? Take(string directory, string jobId, bool attach)
    {
        var job = TakeJob(directory, jobId, attach);
        if (job is null)
        {
            return null;
        }
        if (ShareDirectory(directory) is { } shared)
        {
            return new Held(job, shared);
        }
        job.Dispose();
        throw new CliException(ExitCodes.BadInput, $"the state directory {directory} is held whole by an older dcopy (one lock for the directory): let it end, or give this one another --state-dir");
    }

    private static FileStream? TakeJob(string directory, string jobId, bool attach)
    {
        var deadline = DateTime.UtcNow.AddSeconds(attach ? 0 : 8);
        while (true)
        {
            try
            {
                Directory.CreateDirectory(directory);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
                var taken = new FileStream(Path.Combine(directory, FileName(jobId) + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                // a gateway file left by a holder that was killed names a silo that is gone
                File.Delete(GatewayFile(directory, jobId));
                return taken;
            }
            catch (IOException) when (attach)
            {
                return null;
            }
            catch (IOException) when (DateTime.UtcNow < deadline && !Runs(directory, jobId))
            {
                // held by a dcopy that only looks at the job (status, cutover): it lets go in a moment
                Thread.Sleep(200);
            }
            catch (IOException)
            {
                throw new CliException(ExitCodes.BadInput, $"job {jobId} is running in another dcopy on the state directory {directory}: `dcopy status {jobId}` follows it there (another --job-id runs beside it)");
            }
            catch (UnauthorizedAccessException)
            {
                throw new CliException(ExitCodes.BadInput, $"the state directory {directory} cannot be written");
            }
        }
    }

    /// <summary>Written by the job's holder once its silo listens: the gateway's port, and whether it runs the job (or only looks at it).</summary>
    public static void WriteGateway(string directory, string jobId, int port, bool runs) =>
        File.WriteAllText(GatewayFile(directory, jobId), port.ToString(System.Globalization.CultureInfo.InvariantCulture) + (runs ? "\nruns" : ""));

    /// <summary>The job's holder runs it (not only looks at it), by what it wrote beside its lock.</summary>
    public static bool Runs(string directory, string jobId) => Read(directory, jobId)?.EndsWith("\nruns", StringComparison.Ordinal) == true;

    private static string? Read(string directory, string jobId)
    {
        try
        {
            return File.ReadAllText(GatewayFile(directory, jobId)).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Where the job's holder writes its gateway port.</summary>
    public static string GatewayFile(string directory, string jobId) => Path.Combine(directory, FileName(jobId) + ".gateway");

    /// <summary>The port the job's holder wrote; null while it starts or stops (or wrote none).</summary>
    public static int? GatewayPort(string directory, string jobId)
    {
        var text = Read(directory, jobId)?.Split('\n')[0];
        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535 ? port : null;
    }

    /// <summary>A job id as a file name, as the grain storage names the job's state file (ids that share a state file share a lock).</summary>
    private static string FileName(string jobId) => "job." + Grains.FileGrainStorage.SafeName(jobId);

    /// <summary>
    /// The state directory's own lock, as dcopy before locks per job took it whole: held here shared for as long as a job's
    /// lock is, so an older dcopy (which wants it alone) cannot run in the directory beside this one, nor this one beside it.
    /// </summary>
    private static FileStream? ShareDirectory(string directory)
    {
        try
        {
            return new FileStream(Path.Combine(directory, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
