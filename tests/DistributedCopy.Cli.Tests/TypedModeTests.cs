using DistributedCopy.Testing;

namespace DistributedCopy.Cli.Tests;

/// <summary>`--mode` end to end: plan says how keys will be written, a typed copy verifies clean against the source.</summary>
public sealed class TypedModeTests
{
    [RedisFact]
    public async Task ACopyByTypeVerifiesCleanAndPlanSaysItWillWriteByType()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisServer.StartAsync();
        var report = await new StandardDataSet(0.005) { BinaryKeys = 50 }.LoadAsync(source.Endpoint);

        var plan = await Dcopy.RunAsync("plan", "--source", Dcopy.Address(source), "--target", target.Endpoint.Address, "--mode", "typed", "--json");
        Assert.True(plan.ExitCode == ExitCodes.Success, plan.ToString());
        Assert.Contains("write   by type (--mode typed)", plan.Stderr, StringComparison.Ordinal);
        Assert.Equal("typed", plan.Json.GetProperty("mode").GetString());
        Assert.Equal(0, await KeyCounter.DbSizeAsync(target.Endpoint));

        var copy = await Dcopy.RunAsync("copy", "--source", Dcopy.Address(source), "--target", target.Endpoint.Address, "--mode", "typed", "--verify", "--json",
            "--progress", "none", "--state-dir", Dcopy.StateDir());

        Assert.True(copy.ExitCode == ExitCodes.Success, copy.ToString());
        Assert.Equal(report.Total, copy.Json.GetProperty("keysCopied").GetInt64());
        Assert.Equal(report.Total, copy.Json.GetProperty("keysTyped").GetInt64());
        Assert.Equal(0, copy.Json.GetProperty("verify").GetProperty("missing").GetInt64());
        Assert.Equal(report.ByType, await KeyCounter.CountByTypeAsync(target.Endpoint));
        var comparison = await DataComparer.CompareAsync(source.Endpoint, target.Endpoint, typedSamplePerType: 100);
        Assert.True(comparison.Identical, comparison.ToString());
    }

    [RedisFact]
    public async Task AModeThatDoesNotExistIsBadInput()
    {
        var result = await Dcopy.RunAsync("copy", "--source", "127.0.0.1:1", "--target", "127.0.0.1:2", "--mode", "sideways");

        Assert.True(result.ExitCode == ExitCodes.BadInput, result.ToString());
        Assert.Contains("sideways", result.Stderr, StringComparison.Ordinal);
    }
}
