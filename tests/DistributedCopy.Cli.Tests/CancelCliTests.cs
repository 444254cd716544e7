using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>
/// `dcopy cancel` from a second terminal stops a running embedded copy: the copy exits 6, status says cancelled, and every
/// key already on the target is the source's own (value and expiry), the copy having stopped part of the way.
/// </summary>
public sealed class CancelCliTests
{
    [RedisFact]
    public async Task CancelStopsARunningCopyWithExit6AndEveryKeyCopiedSoFarIsTheSourcesOwn()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        var report = await new StandardDataSet(0.02).LoadAsync(source.Endpoint);
        var state = Dcopy.StateDir();
        // slowed by its rate limit, so that the cancel lands in the middle
        using var copy = Dcopy.Start("copy", "--source", source.Endpoint.Address, "--target", target.Endpoint.Address, "--job-id", "stopped", "--state-dir", state,
            "--max-rate", "500", "--progress", "none", "--json");
        var copyOut = copy.StandardOutput.ReadToEndAsync();
        var copyErr = copy.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await KeyCounter.DbSizeAsync(target.Endpoint) < 1000)
        {
            if (DateTime.UtcNow > deadline || copy.HasExited)
            {
                Assert.Fail("the copy did not get going: " + await copyErr);
            }
            await Task.Delay(100);
        }

        var cancel = await Dcopy.RunAsync("cancel", "stopped", "--state-dir", state);

        Assert.True(cancel.ExitCode == ExitCodes.Success, cancel.ToString());
        Assert.Contains("job stopped: cancelled; what was copied stays", cancel.Stderr, StringComparison.Ordinal);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await copy.WaitForExitAsync(timeout.Token);
        Assert.True(copy.ExitCode == ExitCodes.Cancelled, $"exit {copy.ExitCode}: {await copyErr}");
        var summary = System.Text.Json.JsonDocument.Parse((await copyOut).Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("cancelled", summary.GetProperty("phase").GetString());

        // stopped part of the way; whatever reached the target is the source's, byte for byte, with its expiry
        var copied = await KeyCounter.DbSizeAsync(target.Endpoint);
        Assert.InRange(copied, 1000, report.Total - 1);
        using var from = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(source.Endpoint.Address);
        using var to = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(target.Endpoint.Address);
        var checkedKeys = 0;
        await foreach (var key in to.GetServer(to.GetEndPoints()[0]).KeysAsync(pageSize: 1000))
        {
            var (sourceDump, targetDump) = (await from.GetDatabase().KeyDumpAsync(key), await to.GetDatabase().KeyDumpAsync(key));
            if (!sourceDump!.AsSpan().SequenceEqual(targetDump))
            {
                // a hash table's members come out of DUMP in the server's own hash order: then the values are compared by type
                var type = await from.GetDatabase().KeyTypeAsync(key);
                var (expected, actual) = (await DataComparer.ReadTypedAsync(from.GetDatabase(), key, type), await DataComparer.ReadTypedAsync(to.GetDatabase(), key, type));
                Assert.True(TypedValue.Same(expected, actual), $"{expected} vs {actual}");
            }
            var (sourceTtl, targetTtl) = (await from.GetDatabase().KeyTimeToLiveAsync(key), await to.GetDatabase().KeyTimeToLiveAsync(key));
            Assert.True(sourceTtl is null ? targetTtl is null : targetTtl > TimeSpan.Zero && targetTtl <= sourceTtl + TimeSpan.FromMilliseconds(50),
                $"{key}: ttl {sourceTtl} on the source, {targetTtl} on the target");
            checkedKeys++;
        }
        Assert.Equal(copied, checkedKeys);

        var status = await Dcopy.RunAsync("status", "stopped", "--state-dir", state, "--json");
        Assert.Equal("cancelled", status.Json.GetProperty("phase").GetString());
    }
}
