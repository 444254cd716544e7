using StackExchange.Redis;

namespace DistributedCopy.Testing;

/// <summary>
/// An application writing to the source at a steady rate while a sync runs: every type mutated (SET/APPEND/INCR,
/// HSET/HDEL, LPUSH/LPOP, SADD/SREM, ZADD/ZREM, XADD/XTRIM), keys deleted (DEL/UNLINK), given and losing TTLs
/// (EXPIRE/PERSIST), renamed, and short-lived keys that expire on their own (until <see cref="StopShortLived"/>).
/// Keys are "{live:N}:…", so a rename stays in its slot. Errors (a paused or failing server) are counted and passed over.
/// <c>expiring</c>: a session store's pattern instead of long TTLs — EXPIRE 5–60 s on existing keys, and new keys that live
/// 0.2–3 s, written until the writer stops (so keys are expiring whenever it is stopped).
/// </summary>
public sealed class SourceWriter : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _connection;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private volatile bool _shortLived = true;
    private long _writes;
    private long _errors;

    private readonly bool _expiring;
    private long _sessions;

    private SourceWriter(ConnectionMultiplexer connection, int keys, int perSecond, bool expiring)
    {
        _connection = connection;
        _expiring = expiring;
        _loop = Task.Run(() => LoopAsync(connection.GetDatabase(), keys, perSecond, _stop.Token));
    }

    public long Writes => Interlocked.Read(ref _writes);

    public long Errors => Interlocked.Read(ref _errors);

    public static async Task<SourceWriter> StartAsync(RedisEndpoint source, int keys = 400, int perSecond = 2000, bool expiring = false)
    {
        var options = DataComparer.ToConfiguration(source);
        options.SyncTimeout = options.AsyncTimeout = 2000;
        return new SourceWriter(await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false), keys, perSecond, expiring);
    }

    /// <summary>No more keys with a TTL of a fraction of a second (so none is left half-expired when writes are paused).</summary>
    public void StopShortLived() => _shortLived = false;

    public async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task LoopAsync(IDatabase db, int keys, int perSecond, CancellationToken cancellationToken)
    {
        var random = new Random(7);
        var pending = new List<Task>();
        var step = 0L;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!cancellationToken.IsCancellationRequested)
        {
            pending.Add(OneAsync(db, random, keys));
            step++;
            if (pending.Count >= 50)
            {
                await Drain(pending).ConfigureAwait(false);
                var due = TimeSpan.FromSeconds((double)step / perSecond) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    try
                    {
                        await Task.Delay(due, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }
        }
        await Drain(pending).ConfigureAwait(false);
    }

    private async Task Drain(List<Task> pending)
    {
        foreach (var task in pending)
        {
            try
            {
                await task.ConfigureAwait(false);
                Interlocked.Increment(ref _writes);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                Interlocked.Increment(ref _errors);
            }
        }
        pending.Clear();
    }

    private Task OneAsync(IDatabase db, Random random, int keys)
    {
        var n = random.Next(keys);
        var key = $"{{live:{n}}}:" + (n % 6) switch { 0 => "s", 1 => "h", 2 => "l", 3 => "set", 4 => "z", _ => "x" };
        var op = random.Next(20);
        if (_expiring && op is 2 or 5 or 6)
        {
            return op == 2
                ? db.KeyExpireAsync(key, TimeSpan.FromSeconds(5 + random.Next(56)))
                : db.StringSetAsync($"{{live:{n}}}:session:{Interlocked.Increment(ref _sessions)}", "short", TimeSpan.FromMilliseconds(200 + random.Next(2800)));
        }
        return op switch
        {
            0 => db.KeyDeleteAsync(key),
            1 => db.ExecuteAsync("UNLINK", key),
            2 => db.KeyExpireAsync(key, TimeSpan.FromSeconds(60 + random.Next(60))),
            3 => db.KeyPersistAsync(key),
            4 => db.KeyRenameAsync(key, key + ".renamed", When.Always).ContinueWith(t => _ = t.Exception, TaskScheduler.Default),
            5 when _shortLived => db.StringSetAsync($"{{live:{n}}}:short", "gone soon", TimeSpan.FromMilliseconds(100 + random.Next(400))),
            _ => (n % 6) switch
            {
                0 => (op % 3) switch { 0 => db.StringSetAsync(key, $"v{random.Next()}"), 1 => db.StringAppendAsync(key, "+"), _ => db.StringSetAsync(key + ".n", random.Next(1000)).ContinueWith(_ => db.StringIncrementAsync(key + ".n")).Unwrap() },
                1 => op % 2 == 0 ? db.HashSetAsync(key, $"f{random.Next(20)}", random.Next()) : db.HashDeleteAsync(key, $"f{random.Next(20)}"),
                2 => op % 2 == 0 ? db.ListLeftPushAsync(key, random.Next()) : db.ListLeftPopAsync(key),
                3 => op % 2 == 0 ? db.SetAddAsync(key, random.Next(30)) : db.SetRemoveAsync(key, random.Next(30)),
                4 => op % 2 == 0 ? db.SortedSetAddAsync(key, $"m{random.Next(30)}", random.NextDouble() * 100) : db.SortedSetRemoveAsync(key, $"m{random.Next(30)}"),
                _ => op % 3 == 0 ? db.StreamTrimAsync(key, 5) : db.StreamAddAsync(key, "f", random.Next()),
            },
        };
    }
}
