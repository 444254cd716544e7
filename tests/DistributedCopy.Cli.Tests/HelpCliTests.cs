namespace DistributedCopy.Cli.Tests;

/// <summary>Each command's --help lists what it takes and nothing it refuses; an option it does not take is a one-line error, exit 2.</summary>
public sealed class HelpCliTests
{
    [Fact]
    public async Task SyncAndExportListOnlyTheOptionsTheyTake()
    {
        var sync = await Dcopy.RunAsync("sync", "--help");
        Assert.Equal(ExitCodes.Success, sync.ExitCode);
        Assert.Contains("--db-map", sync.Stdout, StringComparison.Ordinal);
        Assert.Contains("--compare-rate", sync.Stdout, StringComparison.Ordinal);
        foreach (var refused in new[] { "--match", "--exclude", "--type ", "--rename", "--preset" })
        {
            Assert.DoesNotContain(refused, sync.Stdout, StringComparison.Ordinal);
        }

        var export = await Dcopy.RunAsync("export", "--help");
        Assert.Equal(ExitCodes.Success, export.ExitCode);
        Assert.Contains("--match", export.Stdout, StringComparison.Ordinal);
        Assert.Contains("--rename", export.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("--db-map", export.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("--preset", export.Stdout, StringComparison.Ordinal);

        // copy still takes all of them
        var copy = await Dcopy.RunAsync("copy", "--help");
        foreach (var option in new[] { "--match", "--exclude", "--type ", "--rename", "--db-map", "--preset", "--max-source-latency" })
        {
            Assert.Contains(option, copy.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AnOptionACommandDoesNotTakeIsAOneLineErrorBeforeAnythingIsDone()
    {
        var sync = await Dcopy.RunAsync("sync", "--source", "127.0.0.1:1", "--target", "127.0.0.1:2", "--match", "user:*");
        Assert.Equal(ExitCodes.BadInput, sync.ExitCode);
        Assert.Contains("--match", sync.Stderr, StringComparison.Ordinal);
        Assert.Single(sync.Stderr.Trim().Split('\n'));
    }
}
