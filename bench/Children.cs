using System.Diagnostics;

namespace DistributedCopy.Bench;

/// <summary>Runs this program again as a child (the copier, or the forwarder), stopped by its PID.</summary>
internal static class Children
{
    /// <summary>This program again, or with <paramref name="assembly"/> another build of it (an earlier commit's, for before/after rows).</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments, string? assembly = null)
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell this program's path");
        var start = new ProcessStartInfo(path) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardInput = true };
        if (assembly is not null)
        {
            start.FileName = "dotnet";
            start.ArgumentList.Add(assembly);
        }
        else if (Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Children).Assembly.Location);
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return start;
    }

    /// <summary>Runs a child to its end and returns the last line it printed.</summary>
    public static async Task<string> RunAsync(IEnumerable<string> arguments, string? assembly = null)
    {
        using var process = Process.Start(StartInfo(arguments, assembly)) ?? throw new InvalidOperationException("cannot start the child");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the child '{string.Join(' ', arguments.Take(1))}' failed with exit code {process.ExitCode}");
        }
        return output.Trim().Split('\n')[^1];
    }
}
