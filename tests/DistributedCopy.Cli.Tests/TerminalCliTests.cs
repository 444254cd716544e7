using System.Text.RegularExpressions;
using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>dcopy on a person's terminal (tmux): what the progress bar shows while a copy runs, read off the screen.</summary>
public sealed partial class TerminalCliTests
{
    [TerminalFact]
    public async Task AStandaloneCopysBarMovesInKeysFromItsFirstReportsAndEndsWithTheSummary()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        await using (var connection = await source.ConnectAsync())
        {
            for (var i = 0; i < 20_000; i++)
            {
                await connection.ExecuteAsync("SET", $"k:{i}", $"v{i}");
            }
        }
        // one database at 4,000 keys/s: five seconds of bar
        await using var terminal = await Terminal.StartAsync(["dotnet", Path.Combine(AppContext.BaseDirectory, "dcopy.dll"), "copy", "--source", source.Endpoint.Address,
            "--target", target.Endpoint.Address, "--state-dir", Dcopy.StateDir(), "--job-id", "bar", "--max-rate", "4000"]);

        var seen = new List<string>();
        DateTime? firstBar = null;
        DateTime? moving = null;
        var ended = false;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var screen = await terminal.ScreenAsync();
            var db0 = screen.FirstOrDefault(l => l.TrimStart().StartsWith("db0 ", StringComparison.Ordinal));
            if (db0 is not null)
            {
                firstBar ??= DateTime.UtcNow;
                seen.Add(db0.Trim());
                // the database's own line counts keys, never "slots 0/0"
                Assert.DoesNotContain("slots 0/0", db0, StringComparison.Ordinal);
                if (moving is null && Keys().Match(db0) is { Success: true } m && long.Parse(m.Groups[1].Value, System.Globalization.NumberStyles.AllowThousands, System.Globalization.CultureInfo.InvariantCulture) > 0)
                {
                    moving = DateTime.UtcNow;
                }
            }
            // the summary's first line can be on the screen before the line under it is drawn: read again until both are
            if (screen.Any(l => l.StartsWith("job bar: completed", StringComparison.Ordinal)) && screen.Any(l => l.StartsWith("  copied ", StringComparison.Ordinal)))
            {
                Assert.Contains(screen, l => l.Contains("copied 20,000 keys", StringComparison.Ordinal));
                ended = true;
                break;
            }
            await Task.Delay(200);
        }
        Assert.True(ended, "no summary within 60 s: " + string.Join(" | ", seen.TakeLast(5)));
        Assert.True(firstBar is not null && moving is not null, "the bar never showed keys copied: " + string.Join(" | ", seen.TakeLast(5)));
        Assert.True(moving - firstBar < TimeSpan.FromSeconds(3), $"the bar sat at 0 for {(moving - firstBar)?.TotalSeconds:F1} s: {string.Join(" | ", seen.Take(5))}");
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    [GeneratedRegex(@"keys ([\d,]+)/20,000")]
    private static partial Regex Keys();
}
