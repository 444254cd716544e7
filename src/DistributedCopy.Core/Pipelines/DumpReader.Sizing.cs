namespace DistributedCopy.Core.Pipelines;

// DumpReader, part 2: the sizing round (MEMORY USAGE) that keeps keys above the big-key size from being DUMPed whole.
internal sealed partial class DumpReader
{
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
            _small[shard] = _mostOneKey[shard] >= 0 && _mostOneKey[shard] < BigKeyBytes;
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
                        into.Big[i] = reply[0] == (byte)':' && RespFrame.Integer(reply) > BigKeyBytes;
                    }
                }
                if (_asked[shard])
                {
                    await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                    _mostOneKey[shard] = RespFrame.TryBulk(connection.Frame, out var info) && MostOneKey(info) is var most and >= 0 ? most : InfoRefused;
                    _readAt[shard] = now;
                    // a node believed small that is not (any more): its keys of this batch are sized after all
                    grew |= _small[shard] && _mostOneKey[shard] >= BigKeyBytes;
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
                if (batch.State[i] != KeyState.Excluded && _small[_route[i]] && _mostOneKey[_route[i]] >= BigKeyBytes)
                {
                    Connections.Writer(_route[i]).Command(3).Bulk("MEMORY"u8).Bulk("USAGE"u8).Bulk(Key(batch, i));
                }
            }
            error = await Connections.SendAndReadEachAsync(_route, from, to, i => batch.State[i] != KeyState.Excluded && _small[_route[i]] && _mostOneKey[_route[i]] >= BigKeyBytes,
                (i, reply) => into.Big[i] = reply[0] == (byte)':' && RespFrame.Integer(reply) > BigKeyBytes, cancellationToken).ConfigureAwait(false);
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
}
