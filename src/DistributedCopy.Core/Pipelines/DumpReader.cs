namespace DistributedCopy.Core.Pipelines;

/// <summary>
/// Reads DUMP and the expiry of a batch's keys from one side with one pipelined round per master: PEXPIRETIME where the
/// servers have it, else PTTL taken from the moment the batch was sent (so the expiry errs early, never late). Given a
/// big-key size, a first round sizes the keys (MEMORY USAGE) and those above it are not DUMPed but marked
/// <see cref="DumpBuffer.Big"/>: a DUMP of a huge key would be held whole in the source's memory and in this one's.
/// A key whose DUMP is refused (nil) while it exists is left without a payload, for the typed path.
/// </summary>
internal sealed class DumpReader(ClusterView view, bool target = false, long bigKeyBytes = 0, IReadOnlyList<string>? types = null) : IAsyncDisposable
{
    private readonly string _side = target ? "target" : "source";
    private int[] _route = [];

    public ShardConnections Connections { get; } = new(view);

    public Task ReadAsync(KeyBatch batch, DumpBuffer into, CancellationToken cancellationToken) => ReadAsync(batch, 0, batch.Count, into, cancellationToken);

    /// <summary>Reads keys <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive) of the batch.</summary>
    public async Task ReadAsync(KeyBatch batch, int from, int to, DumpBuffer into, CancellationToken cancellationToken)
    {
        var topology = Connections.Topology;
        if (_route.Length < batch.Count)
        {
            _route = new int[batch.Capacity];
        }
        into.Clear(shrink: true);
        var absolute = Connections.View.Capabilities.ExpireTime;
        for (var i = from; i < to; i++)
        {
            var slot = target ? batch.TargetSlot[i] : batch.SourceSlot[i];
            _route[i] = topology.ShardOrThrow(slot, _side);
            into.Unset(i);
        }
        if (types is { Count: > 0 })
        {
            await TypesAsync(batch, from, to, cancellationToken).ConfigureAwait(false);
        }
        if (bigKeyBytes > 0 && Connections.View.Capabilities.MemoryUsage)
        {
            await SizeAsync(batch, from, to, into, cancellationToken).ConfigureAwait(false);
        }
        for (var i = from; i < to; i++)
        {
            if (batch.State[i] == KeyState.Excluded)
            {
                continue;
            }
            var writer = Connections.Writer(_route[i]);
            if (!into.Big[i])
            {
                writer.Command(2).Bulk("DUMP"u8).Bulk(Key(batch, i));
            }
            writer.Command(2).Bulk(absolute ? "PEXPIRETIME"u8 : "PTTL"u8).Bulk(Key(batch, i));
        }
        var sentAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await Connections.SendAllAsync(cancellationToken).ConfigureAwait(false);
        string? redirect = null;
        for (var shard = 0; shard < topology.Shards.Count; shard++)
        {
            if (!Connections.HasCommands(shard))
            {
                continue;
            }
            var connection = await Connections.ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
            for (var i = from; i < to; i++)
            {
                if (_route[i] != shard || batch.State[i] == KeyState.Excluded)
                {
                    continue;
                }
                if (!into.Big[i])
                {
                    await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                    var dump = connection.Frame;
                    if (RespFrame.IsError(dump))
                    {
                        redirect ??= RespFrame.ErrorText(dump);
                    }
                    else if (RespFrame.TryBulk(dump, out var payload))
                    {
                        into.Set(i, payload);
                    }
                }
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                var ttl = connection.Frame;
                if (RespFrame.IsError(ttl))
                {
                    redirect ??= RespFrame.ErrorText(ttl);
                    continue;
                }
                var expiry = RespFrame.Integer(ttl);
                // gone is what the expiry says: a server may answer DUMP with nil for a type it does not serialize
                into.Expiry[i] = expiry == KeyBatch.Vanished ? KeyBatch.Vanished
                    : expiry == KeyBatch.NoTtl || absolute ? expiry
                    : sentAt + expiry;
            }
        }
        Connections.ClearWriters();
        if (redirect is not null)
        {
            throw ServerErrors.Classify(redirect, _side);
        }
    }

    /// <summary>TYPE of each key, one pipelined round per master; keys of the types left out are marked excluded (gone ones stay, to be found vanished).</summary>
    private async Task TypesAsync(KeyBatch batch, int from, int to, CancellationToken cancellationToken)
    {
        for (var i = from; i < to; i++)
        {
            Connections.Writer(_route[i]).Command(2).Bulk("TYPE"u8).Bulk(Key(batch, i));
        }
        var error = await Connections.SendAndReadEachAsync(_route, from, to, _ => true, (i, reply) =>
        {
            var type = RespFrame.String(reply);
            if (type != "none" && !types!.Contains(type))
            {
                batch.State[i] = KeyState.Excluded;
            }
        }, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            throw ServerErrors.Classify(error, _side);
        }
    }

    /// <summary>
    /// Per shard: the most memory one key of its read node can use, at the last reading (<see cref="MostOneKey"/>; -1 before
    /// any, <see cref="InfoRefused"/> when INFO is refused).
    /// </summary>
    private long[] _mostOneKey = [];
    private long[] _readAt = [];
    private bool[] _small = [];
    private bool[] _asked = [];
    private const long InfoRefused = long.MaxValue;

    /// <summary>
    /// MEMORY USAGE of each key, one pipelined round per master; those above the big-key size are marked. A node whose data
    /// takes less memory than the big-key size cannot hold a key that big: while its last reading says so, its keys are
    /// not sized, and the round asks it for INFO memory instead (one command where sizing costs one a key); a node found
    /// bigger is sized in the same round from then on, its memory read again at most once a second.
    /// </summary>
    private async Task SizeAsync(KeyBatch batch, int from, int to, DumpBuffer into, CancellationToken cancellationToken)
    {
        var shards = Connections.Topology.Shards.Count;
        if (_mostOneKey.Length != shards)
        {
            (_mostOneKey, _readAt, _small, _asked) = (new long[shards], new long[shards], new bool[shards], new bool[shards]);
            Array.Fill(_mostOneKey, -1);
        }
        var now = Environment.TickCount64;
        for (var shard = 0; shard < shards; shard++)
        {
            _small[shard] = _mostOneKey[shard] >= 0 && _mostOneKey[shard] < bigKeyBytes;
            _asked[shard] = false;
        }
        for (var i = from; i < to; i++)
        {
            if (batch.State[i] == KeyState.Excluded)
            {
                continue;
            }
            var shard = _route[i];
            if (!_small[shard])
            {
                Connections.Writer(shard).Command(3).Bulk("MEMORY"u8).Bulk("USAGE"u8).Bulk(Key(batch, i));
            }
            if (!_asked[shard] && _mostOneKey[shard] != InfoRefused && (_small[shard] || now - _readAt[shard] >= 1000))
            {
                _asked[shard] = true;
            }
        }
        for (var shard = 0; shard < shards; shard++)
        {
            if (_asked[shard])
            {
                // after the shard's sizes: read in this order below
                Connections.Writer(shard).Command(2).Bulk("INFO"u8).Bulk("memory"u8);
            }
        }
        await Connections.SendAllAsync(cancellationToken).ConfigureAwait(false);
        string? error = null;
        var grew = false;
        try
        {
            for (var shard = 0; shard < shards; shard++)
            {
                if (!Connections.HasCommands(shard))
                {
                    continue;
                }
                var connection = await Connections.ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
                for (var i = from; i < to && !_small[shard]; i++)
                {
                    if (_route[i] != shard || batch.State[i] == KeyState.Excluded)
                    {
                        continue;
                    }
                    await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                    var reply = connection.Frame;
                    if (RespFrame.IsError(reply))
                    {
                        error ??= RespFrame.ErrorText(reply);
                    }
                    else
                    {
                        into.Big[i] = reply[0] == (byte)':' && RespFrame.Integer(reply) > bigKeyBytes;
                    }
                }
                if (_asked[shard])
                {
                    await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                    _mostOneKey[shard] = RespFrame.TryBulk(connection.Frame, out var info) && MostOneKey(info) is var most and >= 0 ? most : InfoRefused;
                    _readAt[shard] = now;
                    // a node believed small that is not (any more): its keys of this batch are sized after all
                    grew |= _small[shard] && _mostOneKey[shard] >= bigKeyBytes;
                }
            }
        }
        finally
        {
            Connections.ClearWriters();
        }
        if (error is not null)
        {
            throw ServerErrors.Classify(error, _side);
        }
        if (grew)
        {
            for (var i = from; i < to; i++)
            {
                if (batch.State[i] != KeyState.Excluded && _small[_route[i]] && _mostOneKey[_route[i]] >= bigKeyBytes)
                {
                    Connections.Writer(_route[i]).Command(3).Bulk("MEMORY"u8).Bulk("USAGE"u8).Bulk(Key(batch, i));
                }
            }
            error = await Connections.SendAndReadEachAsync(_route, from, to, i => batch.State[i] != KeyState.Excluded && _small[_route[i]] && _mostOneKey[_route[i]] >= bigKeyBytes,
                (i, reply) => into.Big[i] = reply[0] == (byte)':' && RespFrame.Integer(reply) > bigKeyBytes, cancellationToken).ConfigureAwait(false);
            if (error is not null)
            {
                throw ServerErrors.Classify(error, _side);
            }
        }
    }

    /// <summary>
    /// The most memory one key can use on a node, as MEMORY USAGE counts it, from its INFO memory: the memory of its data
    /// (used_memory_dataset, Redis 4+: all it allocated but its own overhead — the key tables, client buffers, the replication
    /// backlog, scripts), which holds every key's name and value, plus the key's table entry (counted by MEMORY USAGE, and
    /// by INFO as overhead); where the server gives no data figure, its used_memory. -1 when the reply has neither.
    /// </summary>
    internal static long MostOneKey(ReadOnlySpan<byte> info)
    {
        const int TableEntry = 64;
        return Field(info, "used_memory_dataset:"u8) is var data and >= 0 ? data + TableEntry : Field(info, "used_memory:"u8);
    }

    /// <summary>A numeric field of an INFO reply ("name:" given with its colon); -1 when it has none.</summary>
    private static long Field(ReadOnlySpan<byte> info, ReadOnlySpan<byte> name)
    {
        var at = info.IndexOf(name);
        if (at < 0)
        {
            return -1;
        }
        var rest = info[(at + name.Length)..];
        var end = rest.IndexOf((byte)'\r');
        return System.Buffers.Text.Utf8Parser.TryParse(end < 0 ? rest : rest[..end], out long value, out _) ? value : -1;
    }

    /// <summary>The key's name on the side read.</summary>
    private ReadOnlySpan<byte> Key(KeyBatch batch, int i) => target ? batch.TargetKey(i) : batch.Key(i);

    public ValueTask DisposeAsync() => Connections.DisposeAsync();
}
