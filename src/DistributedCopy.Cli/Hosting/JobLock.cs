namespace DistributedCopy.Cli;

/// <summary>
/// One dcopy at a time per job in a state directory (two running one job would overwrite each other's checkpoints), and
/// any number of jobs beside each other: each job has its own lock file, and the dcopy that holds it writes beside it the
/// loopback port of its silo's gateway, where a second dcopy attaches to look at or steer that job.
/// </summary>
internal static class JobLock
{
    /// <summary>The job's lock (null: another dcopy holds it, and <paramref name="attach"/>). A command that runs jobs waits a few seconds for one that only looked.</summary>
    public static FileStream? Take(string directory, string jobId, bool attach)
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

    private static bool Runs(string directory, string jobId) => Read(directory, jobId)?.EndsWith("\nruns", StringComparison.Ordinal) == true;

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

    /// <summary>A job id as a file name: as it is where it can be (--job-id takes letters, digits, '-', '_', '.'), else hex.</summary>
    private static string FileName(string jobId) =>
        jobId.Length is > 0 and <= 100 && jobId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && jobId.Trim('.').Length > 0
            ? "job." + jobId
            : "job.x" + Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(jobId));
}
