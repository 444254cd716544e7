using System.Globalization;

using DistributedCopy.Core;

namespace DistributedCopy.Grains;

/// <summary>
/// Reads endpoints as operators have them: connection strings as cloud portals and StackExchange.Redis print them
/// (<c>host:port,password=...,ssl=True,user=...</c>) or URIs (<c>redis://user:pass@host:port/db</c>, <c>rediss://</c> for TLS).
/// dcopy and the silo read every endpoint with it (the silo's --control too). Bad text throws <see cref="EndpointTextException"/>
/// with a one-line reason that never quotes the text (it may hold a password).
/// </summary>
public static class EndpointParser
{
    public static RedisEndpoint Parse(string text, string what, string? caFile = null, bool insecure = false)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Bad(what, "is empty");
        }
        var endpoint = text.Contains("://", StringComparison.Ordinal) ? ParseUri(text, what)
            : IsUriWithoutScheme(text) ? ParseUri("redis://" + text, what, schemeAdded: true)
            : ParseConnectionString(text, what);
        CheckHost(endpoint.Host, what);
        foreach (var seed in endpoint.MoreSeeds)
        {
            CheckHost(seed[..seed.LastIndexOf(':')].Trim('[', ']'), what);
        }
        if (caFile is not null)
        {
            if (!File.Exists(caFile))
            {
                throw new EndpointTextException($"{what}: the CA file {caFile} does not exist");
            }
            endpoint = endpoint with { CaCertificatePath = caFile };
        }
        return insecure ? endpoint with { SkipCertificateValidation = true } : endpoint;
    }

    private static RedisEndpoint ParseUri(string text, string what, bool schemeAdded = false)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "redis" && uri.Scheme != "rediss") || string.IsNullOrEmpty(uri.Host))
        {
            throw Bad(what, (schemeAdded ? "looks like user:password@host:port without redis:// but cannot be read as a URI" : "is not a redis:// or rediss:// address")
                + PercentEncodingHint(what));
        }
        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            (user, password) = parts.Length == 2 ? (Unescape(parts[0]), Unescape(parts[1])) : (null, Unescape(parts[0]));
            user = string.IsNullOrEmpty(user) ? null : user;
        }
        var database = 0;
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database) || database >= 10_000))
        {
            throw Bad(what, "has a database that is not a number");
        }
        return new RedisEndpoint(uri.Host.Trim('[', ']'), uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port)
        {
            User = user,
            Password = password,
            UseTls = uri.Scheme == "rediss",
            Database = database,
            NamesDatabase = path.Length > 0,
        };
    }

    private static RedisEndpoint ParseConnectionString(string text, string what)
    {
        var parts = JoinPasswordCommas(text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        var (host, port) = HostAndPort(parts[0], what);
        var endpoint = new RedisEndpoint(host, port);
        for (var index = 1; index < parts.Count; index++)
        {
            var part = parts[index];
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0 && part.Contains(':', StringComparison.Ordinal))
            {
                // more seeds of the same cluster, as client libraries take them: tried in turn when one does not answer
                var (seedHost, seedPort) = HostAndPort(part, what);
                endpoint = endpoint with { MoreSeeds = [.. endpoint.MoreSeeds, new RedisEndpoint(seedHost, seedPort).Address] };
                continue;
            }
            if (eq <= 0)
            {
                // never quote the text back: it may be part of a password
                throw Bad(what, $"has an option without a value (part {index + 1} of the connection string)");
            }
            var key = part[..eq].Trim().ToLowerInvariant();
            var value = part[(eq + 1)..].Trim();
            endpoint = key switch
            {
                "password" => endpoint with { Password = value },
                "user" => endpoint with { User = value },
                "ssl" or "tls" => endpoint with { UseTls = ParseBool(value, what, key) },
                "defaultdatabase" or "database" or "db" => endpoint with { Database = ParseInt(value, what, key), NamesDatabase = true },
                // options of client libraries that do not change where or how to connect
                "abortconnect" or "connecttimeout" or "synctimeout" or "asynctimeout" or "allowadmin" or "sslprotocols" or "name" or "connectretry" => endpoint,
                _ => throw Bad(what, UnknownOption(key, index)),
            };
        }
        return endpoint;
    }

    private static (string Host, int Port) HostAndPort(string text, string what)
    {
        var colon = text.LastIndexOf(':');
        var bracketed = text.StartsWith('[');
        if (colon < 0 || (bracketed && colon < text.IndexOf(']', StringComparison.Ordinal)))
        {
            return (text.Trim('[', ']'), 6379);
        }
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw Bad(what, "has an invalid port (1 to 65535)");
        }
        var host = text[..colon].Trim('[', ']');
        return host.Length == 0 ? throw Bad(what, "has no host") : (host, port);
    }

    private static bool ParseBool(string value, string what, string key) =>
        bool.TryParse(value, out var b) ? b : throw Bad(what, $"option {key} takes true or false");

    private static int ParseInt(string value, string what, string key) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < 10_000 ? n : throw Bad(what, $"option {key} takes a database number");

    private static string Unescape(string text) => Uri.UnescapeDataString(text);

    private static string PercentEncodingHint(string what) =>
        $" (in a password, percent-encode @ : / , % and spaces, or give it with --{what.TrimStart('-')}-password-env or --{what.TrimStart('-')}-password-file)";

    /// <summary>
    /// "user:password@host:port" is a URI without its scheme: read it as one, never as a host named "user:password@host"
    /// (which an error would then print). An '@' before any "option=" can only be that: a connection string has '@' only
    /// in an option's value.
    /// </summary>
    private static bool IsUriWithoutScheme(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        return at >= 0 && (eq < 0 || at < eq || text.Split(',')[0].Contains('@', StringComparison.Ordinal));
    }

    /// <summary>
    /// A comma cannot be escaped in a connection string, so a password's commas are kept with it: after "password=", every
    /// part up to the next known option ("ssl=", "user=", ...) belongs to the password, even one that looks like another
    /// seed ("host:port"): seeds go before the password, so no fragment of a password is ever taken for a node (and
    /// printed as one).
    /// </summary>
    private static List<string> JoinPasswordCommas(string[] parts)
    {
        var joined = new List<string>();
        var inPassword = false;
        foreach (var part in parts)
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var isOption = eq > 0 && KnownOptions.Contains(part[..eq].Trim().ToLowerInvariant());
            if (inPassword && !isOption)
            {
                joined[^1] += "," + part;
                continue;
            }
            inPassword = isOption && part[..eq].Trim().Equals("password", StringComparison.OrdinalIgnoreCase);
            joined.Add(part);
        }
        return joined;
    }

    /// <summary>
    /// Names an unknown option only when it is one of the client libraries' own (so the text shown cannot be a piece of a
    /// password typed in the wrong place); any other is named by its position.
    /// </summary>
    private static string UnknownOption(string key, int index) => OtherLibraryOptions.Contains(key)
        ? $"has an option dcopy does not take: '{key}'"
        : $"has an unknown option (part {index + 1} of the connection string)";

    private static readonly HashSet<string> OtherLibraryOptions = new(StringComparer.Ordinal)
    {
        "channelprefix", "checkcertificaterevocation", "configchannel", "configcheckseconds", "highprioritysocketthreads",
        "keepalive", "protocol", "proxy", "resolvedns", "responsetimeout", "servicename", "setlib", "sslhost", "tiebreaker",
        "version", "writebuffer", "username", "pass", "pwd",
    };

    private static readonly HashSet<string> KnownOptions = new(StringComparer.Ordinal)
    {
        "password", "user", "ssl", "tls", "defaultdatabase", "database", "db", "abortconnect", "connecttimeout", "synctimeout",
        "asynctimeout", "allowadmin", "sslprotocols", "name", "connectretry",
    };

    /// <summary>A host is a name or an address; anything else (a mistyped URI, a password in the wrong place) is refused without echoing it.</summary>
    private static void CheckHost(string host, string what)
    {
        if (host.Length is 0 or > 253 || !host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':'))
        {
            throw Bad(what, "has a host that is neither a name nor an address (for user and password use redis://user:password@host:port)");
        }
    }

    private static EndpointTextException Bad(string what, string problem) => new($"{what} {problem}");
}

/// <summary>An endpoint's text that cannot be read; the message names the option and the problem, never the text.</summary>
public sealed class EndpointTextException(string message) : FormatException(message);
