using System.Threading.Channels;

namespace DistributedCopy.Core.Sources;

/// <summary>
/// Produces key batches for the pipelines. Cluster sources: per window of slots, pipelined COUNTKEYSINSLOT then
/// GETKEYSINSLOT; slots above the threshold are collected and walked with one SCAN of the node, filtered by slot, so no
/// single call returns a huge slot. Standalone sources: SCAN, with each batch numbered so the cursor can be checkpointed.
/// </summary>
internal sealed class KeyEnumerator(ClusterView source, CopyOptions options, CopyProgress progress, BatchPool pool, ChannelWriter<KeyBatch> output)
{
    private readonly List<KeyBatch> _ready = [];
    private readonly Dictionary<string, RespConnection> _connections = new(StringComparer.Ordinal);
    private KeyBatch _current = pool.Rent(trackSlots: true);
    private long _sequence;

    /// <summary>
    /// Enumerates <paramref name="slots"/> (planned on one source shard). Each window is listed on the slots' current owners;
    /// a slot counts as listed only when its owner still serves it, not migrating, after the listing (a reshard moves keys
    /// one by one), else it is listed again on its new owner after the topology is re-read.
    /// </summary>
    public async Task EnumerateSlotsAsync(int shard, IReadOnlyList<int> slots, SlotTracker tracker, CancellationToken cancellationToken)
    {
        _current.Source = shard;
        foreach (var slot in slots)
        {
            tracker.Hold(slot);
        }
        if (!source.Topology.IsCluster)
        {
            await ScanStandaloneForSlotsAsync(slots, tracker, cancellationToken).ConfigureAwait(false);
            return;
        }
        var large = new List<int>();
        try
        {
            for (var offset = 0; offset < slots.Count; offset += options.SlotWindow)
            {
                // slots leave the list as they are listed, so a retried window lists each slot's keys once more at most
                var pending = slots.Skip(offset).Take(options.SlotWindow).ToList();
                await RunStepAsync(async () =>
                {
                    foreach (var (master, owned) in ByOwner(pending))
                    {
                        var connection = await ConnectionAsync(master, cancellationToken).ConfigureAwait(false);
                        var listed = await EnumerateWindowAsync(connection, owned, large, tracker, cancellationToken).ConfigureAwait(false);
                        pending.RemoveAll(listed.Contains);
                    }
                    pending.RemoveAll(large.Contains);
                    if (pending.Count > 0)
                    {
                        throw new TopologyChangedException($"source slot {pending[0]} moved or is migrating while it was listed");
                    }
                }, cancellationToken).ConfigureAwait(false);
            }
            if (large.Count > 0)
            {
                // a retried scan starts again from 0: keys met twice are copied twice (idempotent), none is missed
                await RunStepAsync(async () =>
                {
                    foreach (var (master, owned) in ByOwner(large))
                    {
                        var connection = await ConnectionAsync(master, cancellationToken).ConfigureAwait(false);
                        var listed = await ScanLargeSlotsAsync(connection, owned, tracker, cancellationToken).ConfigureAwait(false);
                        large.RemoveAll(listed.Contains);
                    }
                    if (large.Count > 0)
                    {
                        throw new TopologyChangedException($"source slot {large[0]} moved or is migrating while it was scanned");
                    }
                }, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await CloseConnectionsAsync().ConfigureAwait(false);
        }
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Enumerates a standalone database from <paramref name="position"/> (a <see cref="ScanPosition"/>); reports each SCAN
    /// position with the batch sequence it needs. A SCAN cursor means something only to the server process that returned
    /// it: after a restart or a failover (another run_id) the database is scanned again from the start, and the progress
    /// says so.
    /// </summary>
    public async Task EnumerateDatabaseAsync(int database, string position, CursorTracker cursors, CancellationToken cancellationToken)
    {
        _current.Source = database;
        _current.TrackSlots = false;
        var (runId, cursor) = ScanPosition.Parse(position);
        try
        {
            await RunStepAsync(async () =>
            {
                var master = source.Topology.Shards[0].Master;
                var connection = await ConnectionAsync(master, cancellationToken).ConfigureAwait(false);
                var current = Topology.ParseInfo(await connection.ExecuteStringAsync("INFO", "server").ConfigureAwait(false)).GetValueOrDefault("run_id", "");
                if (cursor != "0" && runId != current)
                {
                    progress.AddNote($"{master.Address} database {database}: the saved SCAN position belongs to another server process (run_id changed by a restart or failover); scanning it again from the start");
                    cursor = "0";
                }
                runId = current;
                await ScanAsync(connection, cursor, filter: null, tracker: null, c =>
                {
                    cursor = c;
                    cursors.Reached(ScanPosition.Format(current, c), _current.Count > 0 ? _sequence : _sequence - 1);
                }, cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await CloseConnectionsAsync().ConfigureAwait(false);
        }
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A standalone server has no per-slot commands: one SCAN of it, keeping the keys of <paramref name="slots"/>.</summary>
    private async Task ScanStandaloneForSlotsAsync(IReadOnlyList<int> slots, SlotTracker tracker, CancellationToken cancellationToken)
    {
        try
        {
            await RunStepAsync(async () =>
            {
                var connection = await ConnectionAsync(source.Topology.Shards[0].Master, cancellationToken).ConfigureAwait(false);
                await ScanAsync(connection, ScanPosition.Start, [.. slots], tracker, reached: null, cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await CloseConnectionsAsync().ConfigureAwait(false);
        }
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        foreach (var slot in slots)
        {
            tracker.Release(slot);
        }
    }

    /// <summary>Runs a step of the enumeration again after a dropped connection or a failover, with a fresh topology.</summary>
    private Task RunStepAsync(Func<Task> step, CancellationToken cancellationToken)
    {
        var version = source.Version;
        return Retry.RunAsync(options, progress, _ =>
        {
            version = source.Version;
            return step();
        }, CloseConnectionsAsync, [(source, () => version)], cancellationToken);
    }

    /// <summary>The slots grouped by the master that serves them now.</summary>
    private List<(RedisEndpoint Master, List<int> Slots)> ByOwner(List<int> slots)
    {
        var topology = source.Topology;
        var groups = new List<(RedisEndpoint, List<int>)>();
        foreach (var group in slots.GroupBy(topology.ShardFor))
        {
            if (group.Key < 0)
            {
                throw new TopologyChangedException($"no source master serves slot {group.First()}");
            }
            groups.Add((topology.Shards[group.Key].Master, group.ToList()));
        }
        return groups;
    }

    private async Task<RespConnection> ConnectionAsync(RedisEndpoint master, CancellationToken cancellationToken)
    {
        if (!_connections.TryGetValue(master.Address, out var connection))
        {
            connection = await RespConnection.ConnectAsync(master, cancellationToken).ConfigureAwait(false);
            _connections[master.Address] = connection;
        }
        return connection;
    }

    private async Task CloseConnectionsAsync()
    {
        foreach (var connection in _connections.Values)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        _connections.Clear();
    }

    /// <summary>The slots of <paramref name="slots"/> that <paramref name="connection"/>'s node serves stably now.</summary>
    private static async Task<List<int>> StillOwnedAsync(RespConnection connection, IEnumerable<int> slots)
    {
        var stable = SlotOwnership.StableSlotsOfMyself(await connection.ExecuteStringAsync("CLUSTER", "NODES").ConfigureAwait(false));
        return slots.Where(slot => stable[slot]).ToList();
    }

    /// <summary>
    /// Counts the keys of <paramref name="window"/> slots, lists the small ones, sets the large ones aside; returns the slots
    /// listed completely (their node still serves them stably afterwards), whose enumeration is then released.
    /// </summary>
    private async Task<List<int>> EnumerateWindowAsync(RespConnection connection, List<int> window, List<int> large, SlotTracker tracker, CancellationToken cancellationToken)
    {
        var writer = new RespWriter();
        foreach (var slot in window)
        {
            writer.Command(3).Bulk("CLUSTER"u8).Bulk("COUNTKEYSINSLOT"u8).Bulk(slot);
        }
        await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
        var counts = new long[window.Count];
        for (var i = 0; i < window.Count; i++)
        {
            await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            RespConnection.ThrowIfError(connection.Frame);
            counts[i] = RespFrame.Integer(connection.Frame);
        }
        writer.Clear();
        for (var i = 0; i < window.Count; i++)
        {
            if (counts[i] > 0 && counts[i] <= options.LargeSlotThreshold)
            {
                // a little headroom for keys written since the count; a slot never returns more than it holds
                writer.Command(4).Bulk("CLUSTER"u8).Bulk("GETKEYSINSLOT"u8).Bulk(window[i]).Bulk(counts[i] + 64);
            }
        }
        await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
        var small = new List<int>();
        for (var i = 0; i < window.Count; i++)
        {
            if (counts[i] > options.LargeSlotThreshold)
            {
                large.Add(window[i]);
                continue;
            }
            if (counts[i] > 0)
            {
                await ReadKeysAsync(connection, window[i], tracker, cancellationToken).ConfigureAwait(false);
            }
            small.Add(window[i]);
        }
        var listed = await StillOwnedAsync(connection, small).ConfigureAwait(false);
        foreach (var slot in listed)
        {
            tracker.Release(slot);
        }
        return listed;
    }

    private async Task ReadKeysAsync(RespConnection connection, int slot, SlotTracker tracker, CancellationToken cancellationToken)
    {
        await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        RespConnection.ThrowIfError(connection.Frame);
        AddKeys(connection.Frame, slot, filter: null, tracker);
        await DrainAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Walks the node with SCAN for the keys of <paramref name="large"/> slots; returns those listed completely and releases them.</summary>
    private async Task<List<int>> ScanLargeSlotsAsync(RespConnection connection, List<int> large, SlotTracker tracker, CancellationToken cancellationToken)
    {
        await ScanAsync(connection, "0", [.. large], tracker, reached: null, cancellationToken).ConfigureAwait(false);
        var listed = await StillOwnedAsync(connection, large).ConfigureAwait(false);
        foreach (var slot in listed)
        {
            tracker.Release(slot);
        }
        return listed;
    }

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
