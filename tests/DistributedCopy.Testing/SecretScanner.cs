using System.Text;
using StackExchange.Redis;

namespace DistributedCopy.Testing;

/// <summary>
/// Looks for pieces of a secret where a job may have stored it: every key and value of a Redis (read by type: a DUMP
/// payload may be LZF-compressed and hide it), and every file of a directory.
/// </summary>
public static class SecretScanner
{
    /// <summary>"key: fragment" for each key whose name or value holds a fragment, in every database.</summary>
    public static async Task<List<string>> ScanRedisAsync(RedisEndpoint endpoint, IReadOnlyList<string> fragments)
    {
        var found = new List<string>();
        await using var mux = await ConnectionMultiplexer.ConnectAsync(DataComparer.ToConfiguration(endpoint));
        var server = mux.GetServer(endpoint.Host, endpoint.Port);
        for (var database = 0; database < 16; database++)
        {
            var db = mux.GetDatabase(database);
            await foreach (var key in server.KeysAsync(database, pageSize: 1000))
            {
                var text = new StringBuilder(Decode(key!));
                foreach (var value in await ValuesAsync(db, key))
                {
                    text.Append('\n').Append(Decode(value));
                }
                found.AddRange(Hits(text.ToString(), fragments).Select(f => $"db {database} key {Decode(key!)}: '{f}'"));
            }
        }
        return found;
    }

    /// <summary>"file: fragment" for each file at or under <paramref name="path"/> that holds a fragment (none when there is none).</summary>
    public static async Task<List<string>> ScanFilesAsync(string path, IReadOnlyList<string> fragments)
    {
        var found = new List<string>();
        var files = File.Exists(path) ? [path] : Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories) : [];
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            found.AddRange(Hits(Encoding.Latin1.GetString(bytes) + "\n" + Encoding.UTF8.GetString(bytes), fragments).Select(f => $"{file}: '{f}'"));
        }
        return found;
    }

    private static async Task<RedisValue[]> ValuesAsync(IDatabase db, RedisKey key) => await db.KeyTypeAsync(key) switch
    {
        RedisType.String => [await db.StringGetAsync(key)],
        RedisType.Hash => (await db.HashGetAllAsync(key)).SelectMany(e => new[] { e.Name, e.Value }).ToArray(),
        RedisType.List => await db.ListRangeAsync(key),
        RedisType.Set => await db.SetMembersAsync(key),
        RedisType.SortedSet => await db.SortedSetRangeByRankAsync(key),
        RedisType.Stream => (await db.StreamRangeAsync(key)).SelectMany(e => e.Values.SelectMany(v => new[] { v.Name, v.Value })).ToArray(),
        _ => [],
    };

    private static IEnumerable<string> Hits(string text, IReadOnlyList<string> fragments) =>
        fragments.Where(f => text.Contains(f, StringComparison.Ordinal));

    private static string Decode(RedisKey key) => Encoding.Latin1.GetString((byte[])key!) + "\n" + Encoding.UTF8.GetString((byte[])key!);

    private static string Decode(RedisValue value) => value.IsNull ? "" : Encoding.Latin1.GetString((byte[])value!) + "\n" + Encoding.UTF8.GetString((byte[])value!);
}
