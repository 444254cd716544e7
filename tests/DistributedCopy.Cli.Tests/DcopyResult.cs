using System.Text.Json;

namespace DistributedCopy.Cli.Tests;

/// <summary>Runs dcopy as a process, the way an operator does, and captures what it printed and its exit code.</summary>
public sealed record DcopyResult(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json => JsonDocument.Parse(Stdout.Trim().Split('\n')[^1]).RootElement;

    public string All => Stdout + Stderr;

    public override string ToString() => $"exit {ExitCode}; stdout: {Stdout}; stderr: {Stderr}";
}
