using DistributedCopy.Testing;

namespace DistributedCopy.Bench;

// BenchRun, part 3: big keys at full size, each alone on the source: copied in chunks (the default), and where one DUMP
// can carry it (under the target's 512 MB proto-max-bulk-len), by one DUMP/RESTORE as the baseline of the same run.
internal static partial class BenchRun
{
    private static async Task BigKeyRowsAsync(RedisCluster source, RedisCluster target, List<Row> rows, int pipelines, int batch)
    {
        var cases = new (string Name, string Key, Func<RedisEndpoint, Task> Load, bool OneDump)[]
        {
            ("a 1 GiB list (1M elements of 1 KB, random)", "big:list", e => BigKeys.ListAsync(e, "big:list", 1 << 20, 1024, random: true), false),
            ("a 500 MB string (random)", "big:string", e => BigKeys.StringAsync(e, "big:string", 500, random: true), true),
            ("a 5M-field hash", "big:hash", e => BigKeys.HashAsync(e, "big:hash", 5_000_000), true),
        };
        var none = new Dictionary<string, string>();
        foreach (var (name, key, load, oneDump) in cases)
        {
            await FlushAsync(source);
            await FlushAsync(target);
            await load(source.Endpoint);
            Log($"loaded {name}");
            var chunked = await CopyAsync(source.Endpoint, target.Endpoint, none, pipelines, batch);
            var same = await BigKeys.DigestAsync(source.Endpoint, key) == await BigKeys.DigestAsync(target.Endpoint, key);
            rows.Add(new Row($"big key in chunks: {name}{(same ? "" : " — DIFFERS from the source")}", chunked, same ? await KeyCounter.DbSizeAsync(target.Endpoint) : -1, 1));
            if (oneDump)
            {
                await FlushAsync(target);
                var dump = await CopyAsync(source.Endpoint, target.Endpoint, none, pipelines, batch, bigKeyBytes: 0);
                rows.Add(new Row($"the same key by one DUMP/RESTORE (--big-key-size 0): {name}", dump, await KeyCounter.DbSizeAsync(target.Endpoint), 1));
            }
        }
        await FlushAsync(source);
        await FlushAsync(target);
    }
}
