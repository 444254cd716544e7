using System.Globalization;
using DistributedCopy.Core;
using DistributedCopy.Core.Resp;

namespace DistributedCopy.Testing;

// RedisServer, part 2: the redis.conf a test server starts with.
public sealed partial class RedisServer
{
    private static List<string> BuildConfig(RedisServerOptions options, int port, string directory, TestCertificates? certificates, IReadOnlyList<string>? clusterConfig)
    {
        var config = new List<string>
        {
            "bind 127.0.0.1",
            "protected-mode no",
            $"dir {directory}",
            "logfile redis.log",
            "daemonize no",
            "save \"\"",
            "appendonly no",
            "repl-diskless-sync-delay 0",
        };
        if (options.Tls)
        {
            config.Add("port 0");
            config.Add($"tls-port {port}");
            config.Add($"tls-cert-file {certificates!.ServerCertificate}");
            config.Add($"tls-key-file {certificates.ServerKey}");
            config.Add($"tls-ca-cert-file {certificates.CaCertificate}");
            config.Add("tls-auth-clients no");
            config.Add("tls-replication yes");
            config.Add("tls-cluster yes");
        }
        else
        {
            config.Add($"port {port}");
        }
        if (options.Password is not null)
        {
            config.Add($"requirepass {Quoted(options.Password)}");
            config.Add($"masterauth {Quoted(options.Password)}");
        }
        if (options.AclUser is not null)
        {
            config.Add($"user {options.AclUser} on {Quoted(">" + options.AclPassword)} ~* &* +@all");
            config.Add($"masteruser {options.AclUser}");
            config.Add($"masterauth {Quoted(options.AclPassword ?? "")}");
        }
        config.AddRange(clusterConfig ?? []);
        config.AddRange(options.ExtraConfig);
        return config;
    }

    /// <summary>A value as redis.conf reads it whatever it holds (passwords with spaces, quotes or backslashes).</summary>
    public static string Quoted(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
