using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace DistributedCopy.Aspire.Hosting;

/// <summary>
/// How a Redis resource is handed to dcopy and the silos: its address as an argument, its password in the environment
/// (DCOPY_&lt;ROLE&gt;_PASSWORD), so no password is on a command line, in the dashboard's arguments or in the job's state.
/// </summary>
public sealed class RedisReference(string role, IResourceWithConnectionString resource)
{
    public string Role { get; } = role;

    public IResourceWithConnectionString Resource { get; } = resource;

    public string PasswordVariable => $"DCOPY_{Role.ToUpperInvariant()}_PASSWORD";

    /// <summary>The address (host:port and options, without the password), as a value or, when publishing, an expression.</summary>
    public async Task<object> AddressAsync(DistributedApplicationExecutionContext execution, CancellationToken cancellationToken)
    {
        if (Resource is RedisResource redis)
        {
            return ReferenceExpression.Create($"{redis.Host}:{redis.Port}");
        }
        if (execution.IsPublishMode)
        {
            return Resource.ConnectionStringExpression;
        }
        return Split(await Resource.ConnectionStringExpression.GetValueAsync(cancellationToken).ConfigureAwait(false)).Address;
    }

    /// <summary>The password, or null when the resource has none.</summary>
    public async Task<object?> PasswordAsync(DistributedApplicationExecutionContext execution, CancellationToken cancellationToken)
    {
        if (Resource is RedisResource redis)
        {
            return redis.PasswordParameter;
        }
        if (execution.IsPublishMode)
        {
            return null;
        }
        return Split(await Resource.ConnectionStringExpression.GetValueAsync(cancellationToken).ConfigureAwait(false)).Password;
    }

    /// <summary>
    /// A connection string (host:port,password=...,ssl=true) split into the rest and the password. A password's commas
    /// stay with it: everything after "password=" up to the next known option is the password.
    /// </summary>
    public static (string Address, string? Password) Split(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            throw new InvalidOperationException("the resource has no connection string yet");
        }
        var parts = connectionString.Split(',');
        var kept = new List<string>();
        string? password = null;
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i].StartsWith("password=", StringComparison.OrdinalIgnoreCase))
            {
                var value = parts[i]["password=".Length..];
                while (i + 1 < parts.Length && !IsOption(parts[i + 1]))
                {
                    value += "," + parts[++i];
                }
                password = value;
            }
            else
            {
                kept.Add(parts[i]);
            }
        }
        return (string.Join(',', kept), password);
    }

    private static bool IsOption(string part) =>
        part.IndexOf('=', StringComparison.Ordinal) is > 0 and var at
        && part[..at].ToLowerInvariant() is "user" or "ssl" or "sslhost" or "abortconnect" or "connecttimeout" or "synctimeout"
            or "asynctimeout" or "defaultdatabase" or "name" or "allowadmin" or "ssl-protocols" or "tiebreaker" or "keepalive";
}
