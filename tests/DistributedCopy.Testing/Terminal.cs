using System.Diagnostics;

namespace DistributedCopy.Testing;

/// <summary>
/// A command run in a detached tmux session of a fixed size, as it shows on a person's terminal: its screen captured as
/// text (what they would see, escape sequences applied). The session is killed on dispose.
/// </summary>
public sealed class Terminal : IAsyncDisposable
{
    private readonly string _session;

    private Terminal(string session) => _session = session;

    public static string? Executable => new[] { "/usr/bin/tmux", "/bin/tmux", "/usr/local/bin/tmux" }.FirstOrDefault(File.Exists);

    /// <summary>Runs <paramref name="command"/> (and its arguments) in a new 160 × 30 session; the pane stays after it exits.</summary>
    public static async Task<Terminal> StartAsync(IReadOnlyList<string> command)
    {
        var session = "dcopy-test-" + Guid.NewGuid().ToString("N")[..8];
        // a tmux server of its own (-L): this test's environment, nobody else's sessions
        await TmuxAsync(session, ["new-session", "-d", "-s", session, "-x", "160", "-y", "30", .. command]);
        await TmuxAsync(session, ["set-option", "-t", session, "remain-on-exit", "on"]);
        return new Terminal(session);
    }

    /// <summary>The screen now, one string a line.</summary>
    public async Task<string[]> ScreenAsync() => (await TmuxAsync(_session, ["capture-pane", "-p", "-t", _session])).Split('\n');

    public async ValueTask DisposeAsync() => await TmuxAsync(_session, ["kill-server"], check: false);

    private static async Task<string> TmuxAsync(string server, string[] arguments, bool check = true)
    {
        var start = new ProcessStartInfo(Executable ?? "tmux") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-L");
        start.ArgumentList.Add(server);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start tmux");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"tmux {arguments[0]}: exit {process.ExitCode}: {await errors}");
        }
        return await output;
    }
}
