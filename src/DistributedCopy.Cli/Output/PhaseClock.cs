using System.Diagnostics;

namespace DistributedCopy.Cli;

/// <summary>
/// With DCOPY_TIMINGS=1, each phase of a command (checks, silo start, planning, the job, the silo stop) is printed to
/// stderr with the wall time and CPU time since the process started: where a run's fixed cost goes.
/// </summary>
public static class PhaseClock
{
    private static readonly bool On = Environment.GetEnvironmentVariable("DCOPY_TIMINGS") == "1";

    /// <summary>This process's CPU time so far and its peak resident memory (VmHWM; 0 where /proc is missing).</summary>
    public static (double CpuSeconds, long PeakRssBytes) Resources()
    {
        using var self = Process.GetCurrentProcess();
        var peak = 0L;
        if (File.Exists("/proc/self/status"))
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            peak = line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        return (self.TotalProcessorTime.TotalSeconds, peak);
    }

    /// <summary>Wall time since this process started.</summary>
    public static TimeSpan Elapsed
    {
        get
        {
            using var self = Process.GetCurrentProcess();
            return DateTime.Now - self.StartTime;
        }
    }

    public static void Mark(string phase)
    {
        if (On)
        {
            using var self = Process.GetCurrentProcess();
            Console.Error.WriteLine($"timing {phase}: {(DateTime.Now - self.StartTime).TotalMilliseconds:F0} ms wall, {self.TotalProcessorTime.TotalMilliseconds:F0} ms CPU");
        }
    }
}
