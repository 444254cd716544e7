using System.Diagnostics;
namespace DistributedCopy.Testing;

/// <summary>
/// A real silo process (DistributedCopy.Silo, from the test's output folder: the test project references it) joined
/// through the control Redis; stopped or killed by its PID.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private int _stopped;

    private SiloProcess(Process process, int siloPort)
    {
        _process = process;
        SiloPort = siloPort;
    }

    public int SiloPort { get; }

    /// <summary>The silo's stderr (its log), written when it exits; its stdout goes to the same path plus ".out".</summary>
    public string LogPath => LogFile(SiloPort);

    private static string LogFile(int siloPort) => Path.Combine(Path.GetTempPath(), "dcopy-tests", $"silo-{siloPort}.log");

    public int Pid => _process.Id;

    /// <summary>True when <paramref name="siloIdentity"/> (a grain's RuntimeIdentity) is this silo.</summary>
    public bool Is(string siloIdentity) => siloIdentity.Contains($":{SiloPort}:", StringComparison.Ordinal);

    /// <summary>Starts a silo; <paramref name="environment"/> adds variables to its environment (job secrets, the control's password).</summary>
    public static Task<SiloProcess> StartAsync(RedisServer control, string clusterId, IReadOnlyDictionary<string, string>? environment = null) =>
        StartAsync(control.Endpoint.Address, clusterId, environment);

    /// <summary>
    /// A silo reaching its control Redis at <paramref name="controlAddress"/>; with <paramref name="lab"/>, on host
    /// <paramref name="host"/> of that lab (its own namespace, advertising the host's address), as on a machine of its own.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(string controlAddress, string clusterId, IReadOnlyDictionary<string, string>? environment = null, NetworkLab? lab = null, int host = 0,
        IReadOnlyList<string>? arguments = null)
    {
        var siloPort = PortAllocator.Next();
        var gatewayPort = PortAllocator.Next();
        var dll = Path.Combine(AppContext.BaseDirectory, "DistributedCopy.Silo.dll");
        var start = new ProcessStartInfo(lab is null ? "dotnet" : "ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        // `ip netns exec` runs the silo in the namespace as the same process (exec): its PID is the silo's
        string[] prefix = lab is null ? [] : ["netns", "exec", lab.Namespace(host), "dotnet"];
        string[] advertise = lab is null ? [] : ["--advertise", lab.HostAddress(host)];
        foreach (var arg in (string[])[.. prefix, dll, "--control", controlAddress, "--cluster-id", clusterId, "--silo-port", siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--gateway-port", gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture), .. advertise, .. arguments ?? []])
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the silo");
        ProcessRegistry.Add(process);
        var log = LogFile(siloPort);
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        var errors = Task.Run(async () =>
        {
            var text = await process.StandardError.ReadToEndAsync();
            await File.WriteAllTextAsync(log, text);
            return text;
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                // stdout closes a moment before the process is gone
                await process.WaitForExitAsync(timeout.Token);
                throw new InvalidOperationException($"the silo exited with {process.ExitCode} before it was ready: {(await errors.ConfigureAwait(false)).Trim()}");
            }
            if (line.StartsWith("silo ready", StringComparison.Ordinal))
            {
                break;
            }
        }
        _ = Task.Run(async () => await File.AppendAllTextAsync(log + ".out", await process.StandardOutput.ReadToEndAsync()));
        return new SiloProcess(process, siloPort);
    }

    /// <summary>SIGKILL: the silo gets no chance to leave the cluster or hand anything over.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>Stops the silo (SIGTERM, then kill); a second call does nothing, so a test may stop a silo early.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return ValueTask.CompletedTask;
        }
        ProcessRegistry.Stop(_process, TimeSpan.FromSeconds(10));
        return ValueTask.CompletedTask;
    }
}
