using DistributedCopy.Abstractions;
using DistributedCopy.Core;
using DistributedCopy.Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace DistributedCopy.Grains.Tests;

/// <summary>
/// The one mapping from a stored job to the engine's options (<see cref="JobSpecMapping"/>), through Orleans' serializer as
/// a job is stored: the mode as an enum (field 33), a job stored before it with the mode as text (field 14) still runs in
/// its mode, and what the spec leaves open is the engine's own default.
/// </summary>
public sealed class JobSpecMappingUnitTests
{
    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(builder => builder.AddAssembly(typeof(JobSpec).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    private static JobSpec NewSpec() => new("job", JobKind.Copy, new EndpointSpec("127.0.0.1", 1), new EndpointSpec("127.0.0.1", 2));

    [Theory]
    [InlineData(WriteMode.Auto, null, CopyMode.Auto)]
    [InlineData(WriteMode.Dump, null, CopyMode.Dump)]
    [InlineData(WriteMode.Typed, null, CopyMode.Typed)]
    [InlineData(WriteMode.Auto, "dump", CopyMode.Dump)]
    [InlineData(WriteMode.Auto, "typed", CopyMode.Typed)]
    [InlineData(WriteMode.Auto, "auto", CopyMode.Auto)]
    public void TheModeSurvivesStorageAsAnEnumAndAsTheTextOfJobsStoredBeforeIt(WriteMode mode, string? storedText, CopyMode expected)
    {
        var stored = Serializer.Deserialize<JobSpec>(Serializer.SerializeToArray(NewSpec() with { Mode = mode, StoredModeText = storedText }))!;

        Assert.Equal((mode, storedText), (stored.Mode, stored.StoredModeText));
        Assert.Equal(expected, JobSpecMapping.ToCopyOptions(stored, resuming: true).Mode);
    }

    [Fact]
    public void WhatTheSpecLeavesOpenIsTheEnginesDefault()
    {
        var engine = new CopyOptions();

        var options = JobSpecMapping.ToCopyOptions(NewSpec(), resuming: false);

        Assert.Equal((CopyOptions.DefaultRetryBudget, engine.BigKeyBytes, false), (options.RetryBudget, options.BigKeyBytes, options.Resuming));
        Assert.Equal((engine.BatchSize, engine.PipelinesPerShard), (options.BatchSize, options.PipelinesPerShard));
        // --retry-budget 0 pauses at the first failure (it once meant the default)
        Assert.Equal(TimeSpan.Zero, JobSpecMapping.ToCopyOptions(NewSpec() with { RetryBudgetMs = 0 }, resuming: false).RetryBudget);
    }

    [Fact]
    public void TheSpecsSettingsReachTheEngine()
    {
        var spec = NewSpec() with
        {
            Policy = Policy.SkipExisting,
            BatchSize = 250,
            PipelinesPerShard = 2,
            RetryBudgetMs = 7_000,
            BigKeyBytes = 1234,
            Workers = 4,
            MaxKeysPerSecond = 10_000,
            Match = ["user:*"],
        };

        var options = JobSpecMapping.ToCopyOptions(spec, resuming: true);

        Assert.Equal((OverwritePolicy.SkipExisting, 250, 2, TimeSpan.FromSeconds(7), 1234L, true), (options.Policy, options.BatchSize, options.PipelinesPerShard, options.RetryBudget, options.BigKeyBytes, options.Resuming));
        // the job's rate is shared by the workers that run at once
        Assert.Equal(2_500, options.MaxKeysPerSecond);
        Assert.Equal(JobSpecMapping.JobTag("job"), options.JobTag);
        Assert.True(options.Selection.Selects("user:1"u8));
        Assert.False(options.Selection.Selects("order:1"u8));
    }
}
