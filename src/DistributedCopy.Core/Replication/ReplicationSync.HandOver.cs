using System.Globalization;
using DistributedCopy.Core.Live;
using DistributedCopy.Core.Pipelines;

namespace DistributedCopy.Core.Replication;

// ReplicationSync, part 5: slots resharded between two followed masters (SlotHandOver). The giver's side: the slots its
// master no longer serves are handed over once the target holds its stream up to the master's offset seen then.
public sealed partial class ReplicationSync
{
    /// <summary>
    /// Which slots a partition's stream writes as it starts: of its share, those its master serves now, and those it no
    /// longer serves but has not handed over (no hand-over key on the target: a stop came before, and its watch hands them
    /// over from here). Its master's slots outside its share came from another partition and wait for their hand-over.
    /// </summary>
    private static async Task<SlotHandOver> HandOverAsync(ClusterView target, SyncOptions sync, IReadOnlyList<SlotRange> slots, CancellationToken cancellationToken)
    {
        var handed = new bool[HashSlot.Count];
        await using (var connections = new ShardConnections(target))
        {
            await connections.SyncAsync().ConfigureAwait(false);
            foreach (var key in await ReplicationMarkers.ListAllAsync(connections, cancellationToken, SlotHandOver.KeyNameOf(sync.Name)).ConfigureAwait(false))
            {
                handed[HashSlot.Of(key)] = true;
            }
        }
        var served = new bool[HashSlot.Count];
        foreach (var range in slots)
        {
            Array.Fill(served, true, range.Start, range.End - range.Start + 1);
        }
        var share = sync.Slots ?? [new SlotRange(0, HashSlot.Count - 1)];
        var owned = share.SelectMany(r => Enumerable.Range(r.Start, r.End - r.Start + 1)).Where(slot => served[slot] || !handed[slot]);
        return new SlotHandOver(sync.Name, owned);
    }

    /// <summary>
    /// Slots this stream wrote that its master no longer serves: each is handed over to the master serving it now, once
    /// the target holds the stream up to the master's offset read here (every write of those slots came before it).
    /// </summary>
    private async Task HandOverDepartedAsync(Topology topology, CancellationToken cancellationToken)
    {
        if (_handOver is not { } handOver || handOver.Departed(_slots ?? []) is not { Count: > 0 } departed)
        {
            return;
        }
        long at;
        try
        {
            var info = await MasterInfoAsync(cancellationToken).ConfigureAwait(false);
            if (!long.TryParse(info.GetValueOrDefault("master_repl_offset"), NumberStyles.None, CultureInfo.InvariantCulture, out at))
            {
                return;
            }
        }
        catch (Exception ex) when (Retry.IsTransient(ex, cancellationToken) || ex is RespException)
        {
            // read again at the next look
            return;
        }
        var handed = 0;
        foreach (var slot in departed)
        {
            // a slot between two masters (its move not finished everywhere) waits for the next look
            if (topology.ShardFor(slot) is var shard and >= 0)
            {
                handOver.Schedule(slot, topology.Shards[shard].NodeId, at);
                handed++;
            }
        }
        if (handed > 0)
        {
            _progress.AddNote($"{handed:N0} slot(s) moved from {_source.Address} to other masters: handed over to their partitions once the target holds this stream up to offset {at:N0}");
        }
    }

    /// <summary>
    /// The master followed left the source with no master carrying its history: nothing more comes from it, so every
    /// slot this stream wrote goes to the master serving it now.
    /// </summary>
    private async Task HandOverAllAsync(CancellationToken cancellationToken)
    {
        if (_handOver is not { } handOver || handOver.Departed([]) is not { Count: > 0 } slots)
        {
            return;
        }
        var topology = await ReadTopologyAsync(cancellationToken).ConfigureAwait(false);
        await using var connections = new ShardConnections(_target);
        await connections.SyncAsync().ConfigureAwait(false);
        var handed = new List<(int Slot, string To)>();
        foreach (var slot in slots)
        {
            if (topology.ShardFor(slot) is var shard and >= 0)
            {
                var connection = await connections.ConnectionAsync(_target.Topology.ShardOrThrow(slot, "target"), cancellationToken).ConfigureAwait(false);
                await connection.ExecuteAsync("SET", handOver.Key(slot), topology.Shards[shard].NodeId).ConfigureAwait(false);
                handed.Add((slot, topology.Shards[shard].NodeId));
            }
        }
        handOver.Handed(handed);
    }

    /// <summary>
    /// Removes the hand-over keys of the slots this partition's master serves (a cutover passed: nothing is held any more,
    /// and each slot's key is removed by the partition of the master serving it), keeping what they said.
    /// </summary>
    private async Task ClearHandOversAsync(ShardConnections connections, CancellationToken cancellationToken)
    {
        if (_handOver is not { } handOver)
        {
            return;
        }
        var topology = await ReadTopologyAsync(cancellationToken).ConfigureAwait(false);
        var mine = topology.Shards.FirstOrDefault(s => s.Master.Address == _source.Address)?.Slots ?? [];
        var cleared = new List<(int Slot, string To)>();
        foreach (var key in await ReplicationMarkers.ListAllAsync(connections, cancellationToken, handOver.KeyName).ConfigureAwait(false))
        {
            var slot = HashSlot.Of(key);
            if (!mine.Any(r => slot >= r.Start && slot <= r.End))
            {
                continue;
            }
            var connection = await connections.ConnectionAsync(_target.Topology.ShardOrThrow(slot, "target"), cancellationToken).ConfigureAwait(false);
            if (await connection.ExecuteAsync("GET", key).ConfigureAwait(false) is var value && !RespFrame.IsNull(value))
            {
                await connection.ExecuteAsync("DEL", key).ConfigureAwait(false);
                cleared.Add((slot, RespFrame.String(value)));
            }
        }
        handOver.Cleared = cleared;
    }

    /// <summary>The sync goes on after a cutover removed them: the hand-over keys it removed, again.</summary>
    private async Task RestoreHandOversAsync(ShardConnections connections, CancellationToken cancellationToken)
    {
        if (_handOver is not { } handOver)
        {
            return;
        }
        foreach (var (slot, to) in handOver.Cleared)
        {
            var connection = await connections.ConnectionAsync(_target.Topology.ShardOrThrow(slot, "target"), cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync("SET", handOver.Key(slot), to).ConfigureAwait(false);
        }
        handOver.Cleared = [];
    }
}
