using System.Collections.Concurrent;
using System.Diagnostics;

namespace DistributedCopy.Testing;

/// <summary>Every process a fixture starts, so that each is stopped by its PID even when a test or the test host fails.</summary>
public static class ProcessRegistry
{
    private static readonly ConcurrentDictionary<int, Process> _processes = new();

    static ProcessRegistry() => AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAll();

    public static void Add(Process process) => _processes[process.Id] = process;

    /// <summary>SIGTERM, a grace period, then SIGKILL; returns once the process has exited.</summary>
    public static void Stop(Process process, TimeSpan? grace = null)
    {
        try
        {
            if (!process.HasExited)
            {
                Signal(process.Id, "TERM");
                if (!process.WaitForExit(grace ?? TimeSpan.FromSeconds(5)))
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(TimeSpan.FromSeconds(10));
                }
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        finally
        {
            _processes.TryRemove(process.Id, out _);
            process.Dispose();
        }
    }

    public static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && File.Exists($"/proc/{pid}/cmdline") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void StopAll()
    {
        foreach (var process in _processes.Values)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    /// <summary>Sends <paramref name="signal"/> (STOP, CONT, …) to a process this run started.</summary>
    public static void Signal(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", $"-{signal} {pid}") { UseShellExecute = false, RedirectStandardError = true });
        kill?.WaitForExit();
    }
}
