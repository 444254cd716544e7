using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

public sealed class FailoverTests
{
    [RedisFact]
    public async Task ACopyGoesOnWhenATargetMasterDiesAndItsReplicaTakesOverLosingNothing()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1);
        var report = await new StandardDataSet(0.05).LoadAsync(source.Endpoint);
        var masters = await target.MastersAsync();
        var victim = masters.First(m => m.Port != target.Nodes[0].Port);
        var survivor = target.Nodes[0].Endpoint;

        // small batches and one pipeline per shard, so the copy is still running when the master dies
        await using var engine = await CopyEngine.OpenAsync(source.Endpoint, survivor, new CopyOptions { BatchSize = 50, PipelinesPerShard = 1 });
        await CopyKillingAtOneFifthAsync(engine, report.Total, victim);
        Assert.True(engine.Progress.KeysCopied >= report.Total);
        var compared = await DataComparer.CompareAsync(source.Endpoint, survivor, typedSamplePerType: 5);
        Assert.True(compared.Identical, compared.ToString());
    }

    [RedisFact]
    public async Task ACopyGoesOnWhenASourceMasterDiesAndItsReplicaTakesOver()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var report = await new StandardDataSet(0.05).LoadAsync(source.Endpoint);
        await Task.Delay(500); // replicas have the data set before their master dies
        var victim = (await source.MastersAsync()).First(m => m.Port != source.Nodes[0].Port);
        var survivor = source.Nodes[0].Endpoint;

        await using var engine = await CopyEngine.OpenAsync(survivor, target.Endpoint, new CopyOptions { BatchSize = 50, PipelinesPerShard = 1, SlotWindow = 16 });
        await CopyKillingAtOneFifthAsync(engine, report.Total, victim);
        Assert.Equal(HashSlot.Count, engine.Progress.SlotsCompleted);
        var compared = await DataComparer.CompareAsync(survivor, target.Endpoint, typedSamplePerType: 5);
        Assert.True(compared.Identical, compared.ToString());
    }

    /// <summary>Copies everything, SIGKILLing <paramref name="victim"/> once a fifth of the keys are copied.</summary>
    private static async Task CopyKillingAtOneFifthAsync(CopyEngine engine, long total, RedisServer victim)
    {
        var copy = engine.CopyAllAsync();
        while (engine.Progress.KeysCopied < total / 5 && !copy.IsCompleted)
        {
            await Task.Delay(20);
        }
        Assert.False(copy.IsCompleted, "the copy ended before the master could be killed");
        victim.Kill();
        await copy.WaitAsync(TimeSpan.FromSeconds(90));
        Assert.True(engine.Progress.Errors > 0, "the copy should have met the dead master");
    }
}
