using System.Text;
using DistributedCopy.Testing;
using StackExchange.Redis;

namespace DistributedCopy.Cli.Tests;

/// <summary>
/// --preset aspnet-session-v5: sessions written as the provider did before 5.0 (a test helper built from the format notes)
/// are copied into a cluster under 5.0's names and format, then read by a reader written from the 5.0 notes alone.
/// </summary>
public sealed class SessionPresetCliTests
{
    [RedisFact]
    public async Task OldSessionsLandAs50SessionsWithEveryItemTheirTimeoutsAndExpiryAndNoLocks()
    {
        await using var source = await RedisServer.StartAsync();
        await using var target = await RedisCluster.StartAsync(masters: 3);
        var sessions = new Dictionary<string, List<(string Name, byte[] Value)>>();
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(source.Endpoint)))
        {
            var db = mux.GetDatabase();
            for (var s = 0; s < 12; s++)
            {
                List<(string, byte[])> items = [("count", OldSessions.Int32(42 + s)), ("name", OldSessions.String($"user-{s} é")), ("cart", OldSessions.Object(s))];
                if (s % 3 == 0)
                {
                    items.Add(("nothing", OldSessions.Null()));
                }
                if (s == 5)
                {
                    items.Add(("SessionStateActions", OldSessions.Object(99)));
                }
                var app = s % 2 == 0 ? "/Shop" : "Admin";
                sessions[$"{{{app}_s{s}}}"] = items;
                await OldSessions.WriteAsync(db, app, $"s{s}", items, timeoutSeconds: 1200 + s, locked: s % 4 == 0);
            }
            await db.StringSetAsync("other:1", "kept as it is");
        }

        var plan = await Dcopy.RunAsync("plan", "--source", source.Endpoint.Address, "--target", Dcopy.Address(target), "--preset", "aspnet-session-v5", "--json");
        Assert.True(plan.ExitCode == ExitCodes.Success, plan.ToString());
        Assert.Contains("preset  aspnet-session-v5: 12 sessions in 28 sampled keys", plan.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"sample  \{[^}]+\}_Data → \{[^}]+\}_SessionStateItemCollection: \d items", plan.Stderr);
        Assert.Contains("count: object, 54 bytes", plan.Stderr, StringComparison.Ordinal);

        var copy = await Dcopy.RunAsync("copy", "--source", source.Endpoint.Address, "--target", Dcopy.Address(target), "--preset", "aspnet-session-v5", "--verify",
            "--state-dir", Dcopy.StateDir(), "--progress", "none", "--json");
        Assert.True(copy.ExitCode == ExitCodes.Success, copy.ToString());
        Assert.Equal(25, copy.Json.GetProperty("keysCopied").GetInt64());
        Assert.Equal(3, copy.Json.GetProperty("keysExcluded").GetInt64());
        Assert.Equal(0, copy.Json.GetProperty("verify").GetProperty("valueMismatch").GetInt64());

        await using var targetMux = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(target.Endpoint));
        await using var sourceMux = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(source.Endpoint));
        var (to, from) = (targetMux.GetDatabase(), sourceMux.GetDatabase());
        Assert.Equal(25, await KeyCounter.DbSizeAsync(target.Endpoint));
        foreach (var (tag, items) in sessions)
        {
            var blob = (byte[]?)await to.StringGetAsync(tag + "_SessionStateItemCollection");
            Assert.NotNull(blob);
            var read = SessionCollectionReader.Read(blob);
            Assert.Equal(items.Select(i => i.Name).Order(), read.Select(r => r.Name).Order());
            foreach (var (name, value) in items)
            {
                var item = read.Single(r => r.Name == name);
                if (name == "nothing")
                {
                    Assert.Equal((21, 0), (item.Tag, item.Payload.Length));
                }
                else
                {
                    Assert.Equal(20, item.Tag);
                    Assert.Equal(value, item.Payload);
                }
            }
            Assert.Equal((string?)await from.HashGetAsync(tag + "_Internal", "SessionTimeout"), (string?)await to.StringGetAsync(tag + "_SessionTimeout"));
            foreach (var (old, now) in new[] { ("_Data", "_SessionStateItemCollection"), ("_Internal", "_SessionTimeout") })
            {
                var (was, is_) = (await from.KeyTimeToLiveAsync(tag + old), await to.KeyTimeToLiveAsync(tag + now));
                Assert.True(was is not null && is_ is not null && Math.Abs((was.Value - is_.Value).TotalSeconds) < 5, $"{tag}{now}: {is_} for {was}");
                Assert.False(await to.KeyExistsAsync(tag + old));
            }
            Assert.False(await to.KeyExistsAsync(tag + "_Write_Lock"));
            Assert.False(await to.KeyExistsAsync(tag + "_WriteLock"));
        }
        Assert.Equal("kept as it is", (string?)await to.StringGetAsync("other:1"));
    }
}
