using System.CommandLine;
using DistributedCopy.Core;
using DistributedCopy.Grains;

namespace DistributedCopy.Cli;

/// <summary>
/// Where one endpoint's password comes from, so it need not be on the command line: --NAME-password-file, else
/// --NAME-password-env, else the password in the endpoint text, else the environment variable DCOPY_NAME_PASSWORD.
/// A password from a file or the environment is kept in the job as a reference (file:PATH, env:NAME), never as text.
/// </summary>
public sealed class PasswordOptions
{
    private readonly string _name;

    public PasswordOptions(string name)
    {
        _name = name;
        Env = new Option<string?>($"--{name}-password-env") { Description = $"Name of an environment variable that holds the {name}'s password (wins over a password in --{name}; a file wins over it)." };
        File = new Option<string?>($"--{name}-password-file") { Description = $"A file that holds the {name}'s password (a trailing newline is ignored); wins over every other way. Without any, DCOPY_{name.ToUpperInvariant()}_PASSWORD is used when set." };
    }

    public Option<string?> Env { get; }

    public Option<string?> File { get; }

    public string FallbackVariable => $"DCOPY_{_name.ToUpperInvariant()}_PASSWORD";

    public void AddTo(Command command)
    {
        command.Options.Add(Env);
        command.Options.Add(File);
    }

    /// <summary>The endpoint with its password, and the reference a job stores instead of it (null when the password was typed).</summary>
    public (RedisEndpoint Endpoint, string? Reference) Apply(ParseResult parse, RedisEndpoint endpoint)
    {
        string? reference = null;
        if (parse.GetValue(File) is { } file)
        {
            if (!System.IO.File.Exists(file))
            {
                throw new CliException(ExitCodes.BadInput, $"--{_name}-password-file: the file {file} does not exist");
            }
            reference = PasswordReference.FromFile(file);
        }
        else if (parse.GetValue(Env) is { } variable)
        {
            reference = PasswordReference.FromEnvironment(variable);
        }
        else if (endpoint.Password is null && Environment.GetEnvironmentVariable(FallbackVariable) is { Length: > 0 })
        {
            reference = PasswordReference.FromEnvironment(FallbackVariable);
        }
        if (reference is null)
        {
            return (endpoint, null);
        }
        try
        {
            return (endpoint with { Password = PasswordReference.Resolve(reference) }, reference);
        }
        catch (CopyException ex)
        {
            throw new CliException(ExitCodes.BadInput, $"--{_name}: {ex.Message}");
        }
    }
}
