using System.Globalization;
using DistributedCopy.Core.Live;
using DistributedCopy.Core.Pipelines;
using DistributedCopy.Core.Resilience;

namespace DistributedCopy.Core.Replication;

// ReplicationSync, part 5: slots resharded between two followed masters (SlotHandOver). The giver's side: the slots its
// master no longer serves are handed over once the target holds its stream up to the master's offset seen then.
public sealed partial class ReplicationSync
{
    /// <summary>
    /// Which slots a partition's stream writes as it starts: those whose hand-over key names its master, and, where no key
    /// says otherwise, those of its share (its master's when the job began: a stop may have come before it handed over
    /// the ones that left since, which its watch hands over from here). The rest wait for their hand-over.
    /// </summary>
    private static async Task<SlotHandOver> HandOverAsync(ClusterView target, SyncOptions sync, string? nodeId, CancellationToken cancellationToken)
    {
        var share = SlotRange.Mask(sync.Share ?? sync.Slots ?? [new SlotRange(0, HashSlot.Count - 1)]);
        var handOver = new SlotHandOver(sync.Name);
        var owners = new string?[HashSlot.Count];
        await using (var connections = new ShardConnections(target))
        {
            await connections.SyncAsync().ConfigureAwait(false);
            var slots = (await ReplicationMarkers.ListAllAsync(connections, cancellationToken, handOver.KeyName).ConfigureAwait(false)).Select(HashSlot.Of).Distinct().ToList();
            var values = await handOver.ReadAsync(connections, slots).ConfigureAwait(false);
            for (var i = 0; i < slots.Count; i++)
            {
                owners[slots[i]] = values[i];
            }
        }
        handOver.Own(Enumerable.Range(0, HashSlot.Count).Where(slot => owners[slot] is { } owner ? SlotHandOver.OwnerOf(owner) == nodeId : share[slot]));
        if (nodeId is not null)
        {
            handOver.Follow(nodeId);
            for (var slot = 0; slot < HashSlot.Count; slot++)
            {
                if (owners[slot] is { } value && SlotHandOver.OwnerOf(value) != nodeId)
                {
                    handOver.Given(slot, value, nodeId);
                }
            }
        }
        return handOver;
    }

    /// <summary>
    /// Before a snapshot is loaded (the first, or one the master sent again): every slot the master serves must be this
    /// stream's, else the snapshot's keys of a slot that another partition's stream still writes (a reshard, its DELs
    /// not yet applied) could be deleted after they are loaded. Waits for their hand-over, 5 minutes at most (then loads,
    /// with a note: the cutover's counts check tells whether a key went missing).
    /// </summary>
    private async Task WaitForHandOversAsync(CancellationToken cancellationToken)
    {
        if (_handOver is not { } handOver)
        {
            return;
        }
        var deadline = DateTime.UtcNow.AddMinutes(5);
        var noted = false;
        while (true)
        {
            var waiting = await AdoptAsync(handOver).ConfigureAwait(false);
            if (waiting.Count == 0)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                _progress.AddNote($"{waiting.Count:N0} slot(s) of {_source.Address} (first: {waiting[0]}) were not handed over by the partitions that wrote them within 5 minutes: its snapshot is loaded anyway (the cutover's counts check tells whether a key went missing)");
                return;
            }
            if (!noted)
            {
                _progress.AddNote($"{waiting.Count:N0} slot(s) of {_source.Address} (first: {waiting[0]}) came from other masters: its snapshot waits for their hand-over");
                noted = true;
            }
            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Slots the master serves now that were handed over to this stream: its own from now, whether a command of them came
    /// yet or not (else a slot that moved here and on again, without a write between, would never be handed on).
    /// </summary>
    private async Task AdoptArrivedAsync(CancellationToken cancellationToken)
    {
        if (_handOver is not { } handOver)
        {
            return;
        }
        try
        {
            await AdoptAsync(handOver).ConfigureAwait(false);
        }
        catch (Exception ex) when (Retry.IsTransient(ex, cancellationToken) || ex is RespException)
        {
            // read again at the next look
        }
    }

    /// <summary>Takes the slots the master serves whose hand-over key names it; returns those still waiting for theirs.</summary>
    private async Task<List<int>> AdoptAsync(SlotHandOver handOver)
    {
        var waiting = SlotRange.Each(_slots ?? []).Where(slot => !handOver.IsFree(slot)).ToList();
        if (waiting.Count == 0)
        {
            return waiting;
        }
        await using var connections = new ShardConnections(_target);
        await connections.SyncAsync().ConfigureAwait(false);
        var owners = await handOver.ReadAsync(connections, waiting).ConfigureAwait(false);
        for (var i = 0; i < waiting.Count; i++)
        {
            if (handOver.IsMine(owners[i]))
            {
                handOver.Adopt(waiting[i]);
            }
        }
        return [.. waiting.Where(slot => !handOver.IsFree(slot))];
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
        if (_handOver is not { } handOver || handOver.Writing() is not { Count: > 0 } slots)
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
            if (!mine.Any(r => r.Contains(slot)))
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

    /// <summary>Says once per episode when slots have waited over 30 s for their hand-over (the giver's partition behind or stopped).</summary>
    private void NoteLongHolds()
    {
        var since = _applier?.HeldSince ?? 0;
        if (since == 0 || since == _notedHoldSince || Environment.TickCount64 - since < 30_000)
        {
            return;
        }
        _notedHoldSince = since;
        _progress.AddNote($"{_applier!.HeldSlots:N0} slot(s) moved to {_source.Address} have waited {(Environment.TickCount64 - since) / 1000:N0} s for the master that served them to hand them over: its partition is behind or stopped (their commands are held; the position stays before them)");
    }

    private long _notedHoldSince;
}
