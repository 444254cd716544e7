namespace DistributedCopy.Cli;

/// <summary>A failure with the exit code it maps to and a one-line message (never with a password in it).</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
