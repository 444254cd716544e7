namespace DistributedCopy.Testing;

/// <summary>Finds redis-server and redis-cli. Tests skip without them when run by hand and fail under CI=true.</summary>
public static class RedisBinaries
{
    /// <summary>Under CI (CI=true or CI=1, as runners set it) a missing server or tool fails a test instead of skipping it.</summary>
    public static bool IsCi => Environment.GetEnvironmentVariable("CI")?.Trim().ToLowerInvariant() is "true" or "1";

    /// <summary>Why the servers cannot be started, or null when they can.</summary>
    public static string? MissingReason =>
        Find("redis-server") is null || Find("redis-cli") is null
            ? "redis-server/redis-cli not found on PATH: install Debian's redis-server and redis-tools packages (apt-get install -y redis-server redis-tools)"
            : null;

    public static string Server => Find("redis-server") ?? throw new InvalidOperationException(MissingReason);

    public static string Cli => Find("redis-cli") ?? throw new InvalidOperationException(MissingReason);

    /// <summary>
    /// For the demo and the benchmark on a fresh machine: installs Debian's redis-server and redis-tools through apt-get
    /// when they are missing and this process may (root), saying so; otherwise returns what to do.
    /// </summary>
    public static string? EnsureInstalled(TextWriter log)
    {
        if (MissingReason is null)
        {
            return null;
        }
        if (Environment.UserName != "root" || Find("apt-get") is null)
        {
            return MissingReason;
        }
        log.WriteLine("redis-server not found: installing Debian's redis-server and redis-tools with apt-get");
        foreach (var arguments in new[] { "update -qq", "install -y -qq redis-server redis-tools" })
        {
            using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("apt-get", arguments) { UseShellExecute = false });
            process?.WaitForExit();
            if (process is null || process.ExitCode != 0)
            {
                return $"apt-get {arguments} failed; " + MissingReason;
            }
        }
        return MissingReason;
    }

    private static string? Find(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/local/bin", "/usr/sbin"]);
        return dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }
}
