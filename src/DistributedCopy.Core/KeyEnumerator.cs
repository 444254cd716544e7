using System.Threading.Channels;
using DistributedCopy.Core.Resp;

namespace DistributedCopy.Core;

/// <summary>
/// Produces key batches for the pipelines. Cluster sources: per window of slots, pipelined COUNTKEYSINSLOT then
/// GETKEYSINSLOT; slots above the threshold are collected and walked with one SCAN of the node, filtered by slot, so no
/// single call returns a huge slot. Standalone sources: SCAN, with each batch numbered so the cursor can be checkpointed.
/// </summary>
internal sealed class KeyEnumerator(ClusterView source, CopyOptions options, BatchPool pool, ChannelWriter<KeyBatch> output)
{
    private readonly List<KeyBatch> _ready = [];
    private KeyBatch _current = pool.Rent(trackSlots: true);
    private long _sequence;

    /// <summary>Enumerates <paramref name="slots"/>, all served by source shard <paramref name="shard"/>.</summary>
    public async Task EnumerateSlotsAsync(int shard, IReadOnlyList<int> slots, SlotTracker tracker, CancellationToken cancellationToken)
    {
        _current.Source = shard;
        foreach (var slot in slots)
        {
            tracker.Hold(slot);
        }
        var large = new HashSet<int>();
        RespConnection? connection = null;
        async Task ResetAsync()
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                connection = null;
            }
        }
        try
        {
            for (var offset = 0; offset < slots.Count; offset += options.SlotWindow)
            {
                // slots leave the list as they are emitted, so a retried window lists each slot's keys once
                var pending = slots.Skip(offset).Take(options.SlotWindow).ToList();
                await RetryAsync(async () =>
                {
                    connection ??= await ConnectToOwnerAsync(pending[0], cancellationToken).ConfigureAwait(false);
                    await EnumerateWindowAsync(connection, pending, large, tracker, cancellationToken).ConfigureAwait(false);
                }, ResetAsync, cancellationToken).ConfigureAwait(false);
            }
            if (large.Count > 0)
            {
                // a retried scan starts again from 0: keys met twice are copied twice (idempotent), none is missed
                await RetryAsync(async () =>
                {
                    connection ??= await ConnectToOwnerAsync(large.First(), cancellationToken).ConfigureAwait(false);
                    await ScanLargeSlotsAsync(connection, large, tracker, cancellationToken).ConfigureAwait(false);
                }, ResetAsync, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        foreach (var slot in large)
        {
            tracker.Release(slot);
        }
    }

    /// <summary>Counts the keys of <paramref name="pending"/> slots, lists the small ones, sets the large ones aside.</summary>
    private async Task EnumerateWindowAsync(RespConnection connection, List<int> pending, HashSet<int> large, SlotTracker tracker, CancellationToken cancellationToken)
    {
        var writer = new RespWriter();
        foreach (var slot in pending)
        {
            writer.Command(3).Bulk("CLUSTER"u8).Bulk("COUNTKEYSINSLOT"u8).Bulk(slot);
        }
        await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
        var counts = new long[pending.Count];
        for (var i = 0; i < pending.Count; i++)
        {
            await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            RespConnection.ThrowIfError(connection.Frame);
            counts[i] = RespFrame.Integer(connection.Frame);
        }
        writer.Clear();
        for (var i = 0; i < pending.Count; i++)
        {
            if (counts[i] > 0 && counts[i] <= options.LargeSlotThreshold)
            {
                // a little headroom for keys written since the count; a slot never returns more than it holds
                writer.Command(4).Bulk("CLUSTER"u8).Bulk("GETKEYSINSLOT"u8).Bulk(pending[i]).Bulk(counts[i] + 64);
            }
        }
        await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < pending.Count; i++)
        {
            var slot = pending[i];
            if (counts[i] > options.LargeSlotThreshold)
            {
                large.Add(slot);
                continue;
            }
            if (counts[i] > 0)
            {
                await ReadKeysAsync(connection, slot, tracker, cancellationToken).ConfigureAwait(false);
            }
            tracker.Release(slot);
            pending[i] = -1;
        }
        pending.RemoveAll(slot => slot < 0 || large.Contains(slot));
    }

    /// <summary>Runs a step of the enumeration again after a dropped connection or a failover, with a fresh topology.</summary>
    private async Task RetryAsync(Func<Task> step, Func<Task> reset, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var version = source.Version;
            try
            {
                await step().ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (Retry.IsTransient(ex, cancellationToken) && attempt < options.MaxRetries)
            {
                await reset().ConfigureAwait(false);
                await Task.Delay(Retry.Delay(attempt), cancellationToken).ConfigureAwait(false);
                try
                {
                    await source.RefreshAsync(version, cancellationToken).ConfigureAwait(false);
                }
                catch (RedisConnectException)
                {
                    // the next attempt fails the same way; the last one gives the error
                }
            }
        }
    }

    private async Task<RespConnection> ConnectToOwnerAsync(int slot, CancellationToken cancellationToken)
    {
        var topology = source.Topology;
        var shard = topology.IsCluster ? topology.ShardIndexOf(slot) : 0;
        return shard < 0
            ? throw new TopologyChangedException($"no source master serves slot {slot}")
            : await RespConnection.ConnectAsync(topology.Shards[shard].Master, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Enumerates a standalone database from <paramref name="cursor"/>; reports each SCAN cursor with the batch sequence it needs.</summary>
    public async Task EnumerateDatabaseAsync(int database, string cursor, CursorTracker cursors, CancellationToken cancellationToken)
    {
        _current.Source = database;
        _current.TrackSlots = false;
        await using var connection = await ConnectAsync(0, cancellationToken).ConfigureAwait(false);
        await ScanAsync(connection, cursor, filter: null, tracker: null, c => cursors.Reached(c, _current.Count > 0 ? _sequence : _sequence - 1), cancellationToken).ConfigureAwait(false);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<RespConnection> ConnectAsync(int shard, CancellationToken cancellationToken)
    {
        var topology = source.Topology;
        return await RespConnection.ConnectAsync(topology.Shards[shard].Master, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReadKeysAsync(RespConnection connection, int slot, SlotTracker tracker, CancellationToken cancellationToken)
    {
        await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        RespConnection.ThrowIfError(connection.Frame);
        AddKeys(connection.Frame, slot, filter: null, tracker);
        await DrainAsync(cancellationToken).ConfigureAwait(false);
    }

    private Task ScanLargeSlotsAsync(RespConnection connection, HashSet<int> large, SlotTracker tracker, CancellationToken cancellationToken) =>
        ScanAsync(connection, "0", large, tracker, reached: null, cancellationToken);

    /// <summary>SCAN from <paramref name="cursor"/> to the end; keys of slots outside <paramref name="filter"/> (when given) are passed over.</summary>
    private async Task ScanAsync(RespConnection connection, string cursor, HashSet<int>? filter, SlotTracker? tracker, Action<string>? reached, CancellationToken cancellationToken)
    {
        var writer = new RespWriter(256);
        do
        {
            writer.Clear();
            writer.Command(4).Bulk("SCAN"u8).Bulk(cursor).Bulk("COUNT"u8).Bulk(options.ScanCount);
            await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
            await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            RespConnection.ThrowIfError(connection.Frame);
            var reply = RespFrame.Array(connection.Frame);
            cursor = RespFrame.String(reply.Next());
            AddKeys(reply.Next(), slot: -1, filter, tracker);
            reached?.Invoke(cursor);
            await DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        while (cursor != "0");
    }

    /// <summary>
    /// Copies the keys of an array reply into batches; full ones wait in a list until <see cref="DrainAsync"/>, since the
    /// reply lives in the connection's buffer and cannot be held across an await.
    /// </summary>
    private void AddKeys(ReadOnlySpan<byte> arrayFrame, int slot, HashSet<int>? filter, SlotTracker? tracker)
    {
        var keys = RespFrame.Array(arrayFrame);
        while (keys.MoveNext(out var keyFrame))
        {
            RespFrame.TryBulk(keyFrame, out var key);
            var keySlot = slot >= 0 ? slot : HashSlot.Of(key);
            if (filter is not null && !filter.Contains(keySlot))
            {
                continue;
            }
            var slotsBefore = _current.Slots.Count;
            _current.Add(key, keySlot);
            if (_current.Slots.Count != slotsBefore)
            {
                tracker?.AddBatch(keySlot);
            }
            if (_current.IsFull)
            {
                Seal();
            }
        }
    }

    private void Seal()
    {
        var batch = _current;
        batch.Sequence = _sequence++;
        _ready.Add(batch);
        _current = pool.Rent(batch.TrackSlots);
        _current.Source = batch.Source;
    }

    private async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        foreach (var batch in _ready)
        {
            await output.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        _ready.Clear();
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_current.Count > 0)
        {
            Seal();
        }
        await DrainAsync(cancellationToken).ConfigureAwait(false);
    }
}
