namespace DistributedCopy.Core.Pipelines;

/// <summary>
/// Reads DUMP and the expiry of a batch's keys from one side with one pipelined round per master: PEXPIRETIME where the
/// servers have it, else PTTL taken from the moment the batch was sent (so the expiry errs early, never late). Given a
/// big-key size, a first round sizes the keys (MEMORY USAGE) and those above it are not DUMPed but marked
/// <see cref="DumpBuffer.Big"/>: a DUMP of a huge key would be held whole in the source's memory and in this one's.
/// A key whose DUMP is refused (nil) while it exists is left without a payload, for the typed path.
/// </summary>
internal sealed partial class DumpReader(ClusterView view, bool target = false, long bigKeyBytes = 0, IReadOnlyList<string>? types = null) : IAsyncDisposable
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

    /// <summary>The big-key size (0: keys are not sized), for the sizing round (DumpReader.Sizing.cs).</summary>
    private long BigKeyBytes => bigKeyBytes;

    /// <summary>The key's name on the side read.</summary>
    private ReadOnlySpan<byte> Key(KeyBatch batch, int i) => target ? batch.TargetKey(i) : batch.Key(i);

    public ValueTask DisposeAsync() => Connections.DisposeAsync();
}
