using System.Text;
using DistributedCopy.Testing;

namespace DistributedCopy.Core.Tests;

public sealed class VerifyTests
{
    [RedisFact]
    public async Task VerifyFindsADeletedKeyAChangedValueAndAChangedTtlAndNothingElse()
    {
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var data = new StandardDataSet(0.01) { BinaryKeys = 50 };
        var report = await data.LoadAsync(source.Endpoint);
        await using (var copy = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions()))
        {
            await copy.CopyAllAsync();
        }

        await using (var clean = await Verifier.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions(), ttlToleranceMs: 2000))
        {
            await clean.VerifyAllAsync();
            Assert.Equal(report.Total, clean.Result.Compared);
            Assert.Equal(0, clean.Result.Differences);
        }

        await using var mux = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(target.Endpoint));
        var db = mux.GetDatabase();
        var deleted = Encoding.ASCII.GetString(data.Key("hash", 3));
        var changed = Encoding.ASCII.GetString(data.Key("set", 4));
        var retimed = Encoding.ASCII.GetString(data.Key("ttl", 5));
        await db.KeyDeleteAsync(deleted);
        await db.SetAddAsync(changed, "planted-member");
        await db.KeyExpireAsync(retimed, TimeSpan.FromMinutes(10));
        await db.StringSetAsync("planted:{extra}", "only on the target");

        await using var verify = await Verifier.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions(), ttlToleranceMs: 2000);
        await verify.VerifyAllAsync();
        var result = verify.Result;
        Assert.Equal(report.Total, result.Compared);
        Assert.Equal(1, result.Missing);
        Assert.Equal(1, result.ValueMismatch);
        Assert.Equal(1, result.TtlDrift);
        Assert.Equal(0, result.TypeMismatch);
        Assert.Equal(1, result.Extra);
        Assert.Equal(3, result.Differences);
        Assert.Equal(["extra: planted:{extra}", "missing: " + deleted, "ttl: " + retimed, "value: " + changed], result.Examples.Order(StringComparer.Ordinal));
    }

    [RedisFact]
    public async Task VerifyOfStandaloneDatabasesFindsKeysThatAreOnTheTargetOnly()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisServer.StartAsync();
        var report = await new StandardDataSet(0.005).LoadAsync(source.Endpoint);
        await using (var copy = await CopyEngine.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions()))
        {
            await copy.CopyAllAsync();
        }
        await target.ExecuteAsync("SET", "left:over", "1");
        await target.ExecuteAsync("SET", "left:behind", "2");

        await using var verify = await Verifier.OpenAsync(source.Endpoint, target.Endpoint, new CopyOptions(), ttlToleranceMs: 2000);
        await verify.VerifyAllAsync();
        Assert.Equal(report.Total, verify.Result.Compared);
        Assert.Equal(0, verify.Result.Differences);
        Assert.Equal(2, verify.Result.Extra);
        Assert.Equal(["extra: left:behind", "extra: left:over"], verify.Result.Examples.Order(StringComparer.Ordinal));
    }
}
