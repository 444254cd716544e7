using DistributedCopy.Core;

namespace DistributedCopy.Grains;

/// <summary>
/// Where a password is, rather than the password: "env:NAME" (an environment variable) or "file:PATH" (a file, as
/// Kubernetes and other orchestrators mount secrets). Job specs persist the reference; each process that opens a
/// connection (a silo, an embedded dcopy) resolves it from its own environment or files.
/// </summary>
public static class PasswordReference
{
    public static string FromEnvironment(string name) => "env:" + name;

    public static string FromFile(string path) => "file:" + Path.GetFullPath(path);

    /// <summary>The password the reference points to here; a reference that cannot be resolved says so, naming it (never a value).</summary>
    public static string Resolve(string reference)
    {
        if (reference.StartsWith("env:", StringComparison.Ordinal))
        {
            return Environment.GetEnvironmentVariable(reference[4..]) is { Length: > 0 } value
                ? value
                : throw new CopyException($"the password reference {reference} cannot be resolved on {Environment.MachineName}: the environment variable is not set");
        }
        if (reference.StartsWith("file:", StringComparison.Ordinal))
        {
            try
            {
                // a trailing newline is how files are written by hand and by most secret stores; it is not part of the password
                return File.ReadAllText(reference[5..]).TrimEnd('\r', '\n') is { Length: > 0 } value
                    ? value
                    : throw new CopyException($"the password reference {reference} cannot be resolved on {Environment.MachineName}: the file is empty");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CopyException($"the password reference {reference} cannot be resolved on {Environment.MachineName}: the file cannot be read ({ex.GetType().Name})");
            }
        }
        throw new CopyException($"the password reference {reference} is neither env:NAME nor file:PATH");
    }
}
