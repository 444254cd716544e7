using System.Globalization;
using System.Text;
using DistributedCopy.Core.Resp;

namespace DistributedCopy.Testing;

/// <summary>
/// The standard data set of shared/BENCHMARK.md at any scale (scale 1 = 1,091,000 keys): deterministic, so the same scale
/// always writes the same keys and values. Written as pipelined RESP straight to the master owning each key's slot.
/// </summary>
public sealed class StandardDataSet
{
    public const int StreamEntries = 10;
    public const int StreamPending = 4;
    public const long TtlMilliseconds = 3_600_000;

    public StandardDataSet(double scale = 1.0) => Scale = scale;

    public double Scale { get; }

    /// <summary>Adds this many string keys whose names hold every byte value (0x00–0xFF, CR and LF included).</summary>
    public int BinaryKeys { get; init; }

    /// <summary>Adds this many string keys with one hash tag, so they all land in one slot (<see cref="HotSlot"/>).</summary>
    public int HotSlotKeys { get; init; }

    public string Prefix { get; init; } = "";

    public const string HotTag = "{hot}";

    public static int HotSlot => HashSlot.Of(HotTag[1..^1]);

    private long Count(long full) => Scale <= 0 ? 0 : Math.Max(1, (long)Math.Round(full * Scale));

    public DataSetReport Expected => new(
        Count(1_000_000) + Count(50_000) + BinaryKeys + HotSlotKeys, Count(50_000),
        Count(10_000), Count(10_000), Count(10_000), Count(10_000), Count(1_000));

    public async Task<DataSetReport> LoadAsync(RedisEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        var topology = await Topology.ReadAsync(endpoint, cancellationToken).ConfigureAwait(false);
        var sinks = new NodeSink[topology.Shards.Count];
        try
        {
            for (var i = 0; i < sinks.Length; i++)
            {
                sinks[i] = new NodeSink(await RespConnection.ConnectAsync(topology.Shards[i].Master, cancellationToken).ConfigureAwait(false));
            }
            await WriteAllAsync(topology, sinks, cancellationToken).ConfigureAwait(false);
            foreach (var sink in sinks)
            {
                await sink.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var sink in sinks)
            {
                if (sink is not null)
                {
                    await sink.Connection.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        return Expected;
    }

    public static byte[] StringValue(long i) => Encoding.ASCII.GetBytes($"value-{i:D12}-abcde");

    public byte[] Key(string kind, long i) => Encoding.ASCII.GetBytes($"{Prefix}{kind}:{i:D8}");

    public byte[] BinaryKey(int i)
    {
        var key = new byte[8 + (i % 8)];
        for (var b = 0; b < key.Length; b++)
        {
            key[b] = (byte)((i * 31 + b * 17) & 0xFF);
        }
        key[0] = (byte)(i & 0xFF);
        key[1] = (byte)(i >> 8);
        return [.. Encoding.ASCII.GetBytes(Prefix + "bin:"), .. key];
    }

    private async Task WriteAllAsync(Topology topology, NodeSink[] sinks, CancellationToken ct)
    {
        var e = Expected;
        async ValueTask EmitAsync(byte[] key, Action<RespWriter, byte[]> write)
        {
            var shard = topology.ShardFor(HashSlot.Of(key));
            var sink = sinks[shard];
            write(sink.Writer, key);
            await sink.MaybeFlushAsync(ct).ConfigureAwait(false);
        }

        for (long i = 0; i < Count(1_000_000); i++)
        {
            var value = StringValue(i);
            await EmitAsync(Key("string", i), (w, k) => w.Command(3).Bulk("SET"u8).Bulk(k).Bulk(value)).ConfigureAwait(false);
        }
        for (long i = 0; i < e.StringsWithTtl; i++)
        {
            var value = StringValue(i);
            await EmitAsync(Key("ttl", i), (w, k) => w.Command(5).Bulk("SET"u8).Bulk(k).Bulk(value).Bulk("PX"u8).Bulk(TtlMilliseconds)).ConfigureAwait(false);
        }
        for (var i = 0; i < BinaryKeys; i++)
        {
            await EmitAsync(BinaryKey(i), (w, k) => w.Command(3).Bulk("SET"u8).Bulk(k).Bulk(StringValue(i))).ConfigureAwait(false);
        }
        for (var i = 0; i < HotSlotKeys; i++)
        {
            var key = Encoding.ASCII.GetBytes($"{Prefix}hot:{HotTag}:{i:D8}");
            await EmitAsync(key, (w, k) => w.Command(3).Bulk("SET"u8).Bulk(k).Bulk(StringValue(i))).ConfigureAwait(false);
        }
        for (long i = 0; i < e.Hashes; i++)
        {
            await EmitAsync(Key("hash", i), (w, k) =>
            {
                w.Command(2 + 20).Bulk("HSET"u8).Bulk(k);
                for (var f = 0; f < 10; f++)
                {
                    w.Bulk(Field(f)).Bulk(Encoding.ASCII.GetBytes($"{i * 10 + f:D8}"[^8..]));
                }
                ExpireIfChosen(w, k, i);
            }).ConfigureAwait(false);
        }
        for (long i = 0; i < e.Lists; i++)
        {
            await EmitAsync(Key("list", i), (w, k) =>
            {
                w.Command(2 + 10).Bulk("RPUSH"u8).Bulk(k);
                for (var f = 0; f < 10; f++)
                {
                    w.Bulk(i * 100 + f);
                }
                ExpireIfChosen(w, k, i);
            }).ConfigureAwait(false);
        }
        for (long i = 0; i < e.Sets; i++)
        {
            await EmitAsync(Key("set", i), (w, k) =>
            {
                w.Command(2 + 10).Bulk("SADD"u8).Bulk(k);
                for (var f = 0; f < 10; f++)
                {
                    w.Bulk(Field(f));
                }
                ExpireIfChosen(w, k, i);
            }).ConfigureAwait(false);
        }
        for (long i = 0; i < e.SortedSets; i++)
        {
            await EmitAsync(Key("zset", i), (w, k) =>
            {
                w.Command(2 + 20).Bulk("ZADD"u8).Bulk(k);
                for (var f = 0; f < 10; f++)
                {
                    w.Bulk((f + (i % 1000) / 1000.0 + 0.125).ToString("R", CultureInfo.InvariantCulture)).Bulk(Field(f));
                }
                ExpireIfChosen(w, k, i);
            }).ConfigureAwait(false);
        }
        for (long i = 0; i < e.Streams; i++)
        {
            await EmitAsync(Key("stream", i), (w, k) =>
            {
                for (var f = 1; f <= StreamEntries; f++)
                {
                    w.Command(7).Bulk("XADD"u8).Bulk(k).Bulk($"1700000000000-{f}").Bulk("n"u8).Bulk(f).Bulk("v"u8).Bulk(Field(f));
                }
                w.Command(5).Bulk("XGROUP"u8).Bulk("CREATE"u8).Bulk(k).Bulk("g1"u8).Bulk("0"u8);
                w.Command(9).Bulk("XREADGROUP"u8).Bulk("GROUP"u8).Bulk("g1"u8).Bulk("c1"u8).Bulk("COUNT"u8).Bulk(StreamPending).Bulk("STREAMS"u8).Bulk(k).Bulk(">"u8);
                ExpireIfChosen(w, k, i);
            }).ConfigureAwait(false);
        }
    }

    /// <summary>Every tenth key of each aggregate type (hash, list, set, sorted set, stream) expires, as the TTL strings do.</summary>
    public static bool AggregateExpires(long i) => i % 10 == 3;

    /// <summary>How many of <paramref name="count"/> keys of an aggregate type expire.</summary>
    public static long ExpiringOf(long count) => (count + 6) / 10;

    private static void ExpireIfChosen(RespWriter w, byte[] key, long i)
    {
        if (AggregateExpires(i))
        {
            w.Command(3).Bulk("PEXPIRE"u8).Bulk(key).Bulk(TtlMilliseconds);
        }
    }

    private static byte[] Field(int f) => Encoding.ASCII.GetBytes("field-" + f.ToString(CultureInfo.InvariantCulture));

    /// <summary>One master's pipe: commands gather in a buffer and go out about every 512 KiB; every reply is checked.</summary>
    private sealed class NodeSink(RespConnection connection)
    {
        public RespConnection Connection { get; } = connection;

        public RespWriter Writer { get; } = new(1024 * 1024);

        public ValueTask MaybeFlushAsync(CancellationToken ct) => Writer.Length >= 512 * 1024 ? new ValueTask(FlushAsync(ct)) : ValueTask.CompletedTask;

        public async Task FlushAsync(CancellationToken ct)
        {
            if (Writer.Commands == 0)
            {
                return;
            }
            await Connection.SendAsync(Writer, ct).ConfigureAwait(false);
            for (var i = 0; i < Writer.Commands; i++)
            {
                await Connection.ReadFrameAsync(ct).ConfigureAwait(false);
                RespConnection.ThrowIfError(Connection.Frame);
            }
            Writer.Clear();
        }
    }
}
