using System.Diagnostics;
using System.Globalization;
using DistributedCopy.Core.Resp;

namespace DistributedCopy.Testing;

/// <summary>One real redis-server process on a free loopback port, in a temp directory of its own, stopped by its PID.</summary>
public sealed partial class RedisServer : IAsyncDisposable
{
    private Process _process;
    private readonly string _directory;

    /// <summary>The server's working directory (its dump.rdb after SAVE).</summary>
    public string DataDirectory => _directory;
    private readonly bool _ownsDirectory;

    private RedisServer(Process process, int port, string directory, bool ownsDirectory, RedisEndpoint endpoint)
    {
        _process = process;
        Port = port;
        _directory = directory;
        _ownsDirectory = ownsDirectory;
        Endpoint = endpoint;
    }

    public int Port { get; }

    public int Pid => _process.Id;

    /// <summary>How a client reaches this server, with the credentials and TLS settings it was started with.</summary>
    public RedisEndpoint Endpoint { get; }

    public static Task<RedisServer> StartAsync(RedisServerOptions? options = null, CancellationToken cancellationToken = default) =>
        StartAsync(options ?? new RedisServerOptions(), null, cancellationToken);

    internal static async Task<RedisServer> StartAsync(RedisServerOptions options, string? parentDirectory, CancellationToken cancellationToken,
        TestCertificates? certificates = null, IReadOnlyList<string>? clusterConfig = null)
    {
        _ = RedisBinaries.Server;
        for (var attempt = 1; ; attempt++)
        {
            var port = PortAllocator.Next();
            var directory = Path.Combine(parentDirectory ?? Path.Combine(Path.GetTempPath(), "dcopy-tests"), $"redis-{port}-{Guid.NewGuid():N}"[..24]);
            Directory.CreateDirectory(directory);
            if (options.Tls)
            {
                certificates ??= TestCertificates.Create(Path.Combine(directory, "tls"));
            }
            var config = BuildConfig(options, port, directory, certificates, clusterConfig);
            File.WriteAllLines(Path.Combine(directory, "redis.conf"), config);
            var process = Process.Start(new ProcessStartInfo(RedisBinaries.Server, Path.Combine(directory, "redis.conf"))
            {
                WorkingDirectory = directory,
                UseShellExecute = false,
                RedirectStandardOutput = false,
            }) ?? throw new InvalidOperationException("cannot start redis-server");
            ProcessRegistry.Add(process);
            var endpoint = new RedisEndpoint("127.0.0.1", port)
            {
                User = options.AclUser,
                Password = options.AclUser is not null ? options.AclPassword : options.Password,
                UseTls = options.Tls,
                CaCertificatePath = certificates?.CaCertificate,
            };
            var server = new RedisServer(process, port, directory, parentDirectory is null, endpoint);
            if (await server.WaitReadyAsync(cancellationToken).ConfigureAwait(false))
            {
                return server;
            }
            var log = File.Exists(Path.Combine(directory, "redis.log")) ? File.ReadAllText(Path.Combine(directory, "redis.log")) : "";
            await server.DisposeAsync().ConfigureAwait(false);
            if (attempt >= 3)
            {
                throw new InvalidOperationException($"redis-server on port {port} did not become ready: {log[Math.Max(0, log.Length - 800)..]}");
            }
        }
    }

    public Task<RespConnection> ConnectAsync(CancellationToken cancellationToken = default) => RespConnection.ConnectAsync(Endpoint, cancellationToken);

    public async Task<string> ExecuteAsync(params string[] parts)
    {
        await using var connection = await ConnectAsync().ConfigureAwait(false);
        var reply = await connection.ExecuteAsync(parts).ConfigureAwait(false);
        return reply[0] switch
        {
            (byte)':' => RespFrame.Integer(reply).ToString(CultureInfo.InvariantCulture),
            (byte)'$' or (byte)'+' => RespFrame.String(reply),
            _ => RespFrame.Describe(reply),
        };
    }

    /// <summary>How many times the server ran <paramref name="command"/> (as INFO commandstats names it: "dump", "memory|usage").</summary>
    public async Task<long> CallsAsync(string command) => (await CommandStatsAsync(command).ConfigureAwait(false)).GetValueOrDefault("calls");

    /// <summary>Calls of <paramref name="command"/> that did not fail: writes that landed (a probe RESTORE made to be refused is not one).</summary>
    public async Task<long> SucceededCallsAsync(string command)
    {
        var stats = await CommandStatsAsync(command).ConfigureAwait(false);
        return stats.GetValueOrDefault("calls") - stats.GetValueOrDefault("failed_calls");
    }

    private async Task<Dictionary<string, long>> CommandStatsAsync(string command)
    {
        var line = Topology.ParseInfo(await ExecuteAsync("INFO", "commandstats").ConfigureAwait(false)).GetValueOrDefault("cmdstat_" + command, "calls=0");
        return line.Split(',').Select(f => f.Split('=')).Where(f => f.Length == 2 && long.TryParse(f[1], CultureInfo.InvariantCulture, out _))
            .ToDictionary(f => f[0], f => long.Parse(f[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
    }

    /// <summary>
    /// SAVE, stop, and start the same configuration again on the same port: the data comes back from the RDB file, but the
    /// server is another process (a new run_id and hash seed), as after an operator's restart.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await ExecuteAsync("SAVE").ConfigureAwait(false);
        ProcessRegistry.Stop(_process);
        _process = Process.Start(new ProcessStartInfo(RedisBinaries.Server, Path.Combine(_directory, "redis.conf"))
        {
            WorkingDirectory = _directory,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("cannot start redis-server");
        ProcessRegistry.Add(_process);
        if (!await WaitReadyAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"redis-server on port {Port} did not come back after a restart");
        }
    }

    /// <summary>SIGSTOP: the server freezes (a hung VM): its connections stay open and nothing answers until <see cref="Thaw"/>.</summary>
    public void Freeze() => ProcessRegistry.Signal(_process.Id, "STOP");

    /// <summary>SIGCONT after <see cref="Freeze"/>.</summary>
    public void Thaw() => ProcessRegistry.Signal(_process.Id, "CONT");

    /// <summary>SIGKILL: the server dies at once, as in a crash; its replicas notice after the node timeout.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        ProcessRegistry.Stop(_process);
        if (_ownsDirectory)
        {
            TryDelete(_directory);
        }
        return ValueTask.CompletedTask;
    }

    internal static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task<bool> WaitReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                return false;
            }
            try
            {
                await using var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
                await connection.ExecuteAsync("PING").ConfigureAwait(false);
                return true;
            }
            catch (RespException)
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
        return false;
    }
}
