namespace DistributedCopy.Testing;

/// <summary>Finds redis-server and redis-cli. Tests skip without them when run by hand and fail under CI=true.</summary>
public static class RedisBinaries
{
    private static readonly Lazy<string?> _server = new(() => Find("redis-server"));
    private static readonly Lazy<string?> _cli = new(() => Find("redis-cli"));

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why the servers cannot be started, or null when they can.</summary>
    public static string? MissingReason =>
        _server.Value is null || _cli.Value is null
            ? "redis-server/redis-cli not found on PATH: install Debian's redis-server and redis-tools packages (apt-get install -y redis-server redis-tools)"
            : null;

    public static string Server => _server.Value ?? throw new InvalidOperationException(MissingReason);

    public static string Cli => _cli.Value ?? throw new InvalidOperationException(MissingReason);

    private static string? Find(string name)
    {
        var dirs = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/local/bin", "/usr/sbin"]);
        return dirs.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }
}

/// <summary>A fact that needs real Redis servers: skipped with the reason when they are missing, unless CI=true (then it runs and fails).</summary>
public sealed class RedisFactAttribute : Xunit.FactAttribute
{
    public RedisFactAttribute()
    {
        if (RedisBinaries.MissingReason is { } reason && !RedisBinaries.IsCi)
        {
            Skip = reason;
        }
    }
}
