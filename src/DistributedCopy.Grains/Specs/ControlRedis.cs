using DistributedCopy.Core;
using StackExchange.Redis;

namespace DistributedCopy.Grains;

/// <summary>
/// The control Redis (--control) as dcopy and the silo both read it: the text as every endpoint is read
/// (<see cref="EndpointParser"/>: a connection string or a redis:// / rediss:// URI, more seeds after commas), the password
/// from --control-password-file, else --control-password-env, else the text, else DCOPY_CONTROL_PASSWORD; then the options
/// Orleans' Redis providers connect with. Bad input throws <see cref="EndpointTextException"/> in one line, never with
/// the password in it.
/// </summary>
public static class ControlRedis
{
    public const string PasswordVariable = "DCOPY_CONTROL_PASSWORD";

    public static RedisEndpoint Parse(string text, string? passwordFile, string? passwordEnv)
    {
        var endpoint = EndpointParser.Parse(text, "--control");
        var (option, reference) = passwordFile is not null ? ("--control-password-file", PasswordReference.FromFile(passwordFile))
            : passwordEnv is not null ? ("--control-password-env", PasswordReference.FromEnvironment(passwordEnv))
            : endpoint.Password is null && Environment.GetEnvironmentVariable(PasswordVariable) is { Length: > 0 } ? (PasswordVariable, PasswordReference.FromEnvironment(PasswordVariable))
            : ("", null);
        if (reference is null)
        {
            return endpoint;
        }
        try
        {
            return endpoint with { Password = PasswordReference.Resolve(reference) };
        }
        catch (CopyException ex)
        {
            throw new EndpointTextException($"{option}: {ex.Message}");
        }
    }

    /// <summary>What Orleans' Redis clustering, storage and reminders connect with: every seed, the user and password, TLS, the database.</summary>
    public static ConfigurationOptions Options(RedisEndpoint endpoint)
    {
        var options = new ConfigurationOptions
        {
            User = endpoint.User,
            Password = endpoint.Password,
            Ssl = endpoint.UseTls,
            AbortOnConnectFail = false,
            DefaultDatabase = endpoint.Database,
        };
        options.EndPoints.Add(endpoint.Host, endpoint.Port);
        foreach (var seed in endpoint.MoreSeeds)
        {
            options.EndPoints.Add(seed);
        }
        return options;
    }
}
