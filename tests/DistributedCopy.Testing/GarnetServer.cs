using System.Diagnostics;

namespace DistributedCopy.Testing;

/// <summary>
/// Garnet 2.2.8, a Redis-compatible server of another make (its RESTORE, DUMP and command set differ from Redis's), started
/// on a free loopback port and stopped by PID. `.ci/run` installs it as a .NET tool into the repository's .tools folder;
/// tests skip without it when run by hand and fail under CI=true.
/// </summary>
public sealed class GarnetServer : IAsyncDisposable
{
    private readonly Process _process;

    private GarnetServer(Process process, int port)
    {
        _process = process;
        Port = port;
        Endpoint = new RedisEndpoint("127.0.0.1", port);
    }

    public int Port { get; }

    public RedisEndpoint Endpoint { get; }

    /// <summary>garnet-server: $GARNET_SERVER, the repository's .tools folder, PATH, or the global .NET tools folder.</summary>
    public static string? Binary =>
        new[]
        {
            Environment.GetEnvironmentVariable("GARNET_SERVER"),
            Repository() is { } root ? Path.Combine(root, ".tools", "garnet-server") : null,
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "garnet-server"),
        }
        .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, "garnet-server")))
        .FirstOrDefault(path => path is not null && File.Exists(path));

    public static string? MissingReason =>
        Binary is null ? "garnet-server not found: dotnet tool install garnet-server --version 2.2.8 --tool-path .tools (as .ci/run does)" : RedisBinaries.MissingReason;

    public static async Task<GarnetServer> StartAsync()
    {
        var binary = Binary ?? throw new InvalidOperationException(MissingReason);
        for (var attempt = 1; ; attempt++)
        {
            var port = PortAllocator.Next();
            var start = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--memory", "512m", "--index", "16m", "--logger-level", "Error" })
            {
                start.ArgumentList.Add(argument);
            }
            var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start garnet-server");
            ProcessRegistry.Add(process);
            // drained and dropped, so a full pipe never blocks the server
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var server = new GarnetServer(process, port);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (DateTime.UtcNow < deadline && !process.HasExited)
            {
                try
                {
                    await using var connection = await RespConnection.ConnectAsync(server.Endpoint).ConfigureAwait(false);
                    if (await connection.ExecuteStringAsync("PING").ConfigureAwait(false) == "PONG")
                    {
                        return server;
                    }
                }
                catch (Exception ex) when (ex is RedisConnectException or IOException or System.Net.Sockets.SocketException)
                {
                    await Task.Delay(200).ConfigureAwait(false);
                }
            }
            await server.DisposeAsync().ConfigureAwait(false);
            if (attempt >= 3)
            {
                throw new InvalidOperationException($"garnet-server on port {port} did not answer PING within 30 s");
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        ProcessRegistry.Stop(_process);
        return ValueTask.CompletedTask;
    }

    /// <summary>The repository's root: the nearest folder above the test binaries that holds DistributedCopy.sln.</summary>
    private static string? Repository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DistributedCopy.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
