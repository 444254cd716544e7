using System.Globalization;

namespace DistributedCopy.Core.Replication;

// ReplicationApplier, part 4: FLUSHDB or FLUSHALL on one master of a cluster source. It emptied that master's slots only, so
// the target loses the keys of those slots (and no other): what came before is applied first, then the slots' keys are
// deleted, then every target master's marker says the flush is held (deleting again would be harmless; applying the
// commands before it again would not, and the markers skip them).
public sealed partial class ReplicationApplier
{
    private async Task FlushSlotsAsync(IReadOnlyList<SlotRange> slots, long end, int length)
    {
        var shards = _target.Topology.Shards.Count;
        var markers = _markers!;
        if (_target.Topology.IsCluster ? Enumerable.Range(0, shards).All(s => markers.HoldsAll(s, end)) : markers.Holds(end))
        {
            Interlocked.Increment(ref _skipped);
            return;
        }
        EndPipeline(end - length);
        await SendAsync().ConfigureAwait(false);
        await EmptyAsync(_target, slots).ConfigureAwait(false);
        var value = ReplicationMarkers.Value(_link.Position.ReplicationId, end);
        for (var shard = 0; shard < shards; shard++)
        {
            var connection = await _target.ConnectionAsync(shard, CancellationToken.None).ConfigureAwait(false);
            await connection.ExecuteAsync("SET", _target.Topology.IsCluster ? markers.ShardKey(_target.Topology, shard) : markers.StandaloneKey, value).ConfigureAwait(false);
        }
        Interlocked.Increment(ref _commands);
    }

    /// <summary>
    /// Deletes the target's keys in <paramref name="slots"/> (all of the selected database when null); dcopy's markers on a
    /// standalone target are kept. For a flush of one source master, and before a snapshot taken again loads.
    /// </summary>
    internal static async Task EmptyAsync(ShardConnections target, IReadOnlyList<SlotRange>? slots)
    {
        var owned = SlotRange.Mask(slots ?? [new SlotRange(0, HashSlot.Count - 1)]);
        if (target.Topology.IsCluster)
        {
            for (var slot = 0; slot < HashSlot.Count; slot++)
            {
                if (owned[slot])
                {
                    await DeleteSlotAsync(await target.ConnectionAsync(target.Topology.ShardFor(slot), CancellationToken.None).ConfigureAwait(false), slot).ConfigureAwait(false);
                }
            }
        }
        else
        {
            await DeleteScannedAsync(await target.ConnectionAsync(0, CancellationToken.None).ConfigureAwait(false), owned).ConfigureAwait(false);
        }
    }

    private static async Task DeleteSlotAsync(RespConnection connection, int slot)
    {
        var text = slot.ToString(CultureInfo.InvariantCulture);
        while (true)
        {
            var keys = Keys(await connection.ExecuteAsync("CLUSTER", "GETKEYSINSLOT", text, "1000").ConfigureAwait(false), _ => true);
            if (keys.Count == 0)
            {
                return;
            }
            await DeleteAsync(connection, keys).ConfigureAwait(false);
        }
    }

    /// <summary>A standalone target: the keys of the owned slots (dcopy's markers kept), found by SCAN.</summary>
    private static async Task DeleteScannedAsync(RespConnection connection, bool[] owned)
    {
        var cursor = "0";
        do
        {
            var parts = RespFrame.Array(await connection.ExecuteAsync("SCAN", cursor, "COUNT", "1000").ConfigureAwait(false));
            cursor = RespFrame.String(parts.Next());
            var keys = Keys(parts.Next().ToArray(), key => owned[HashSlot.Of(key)] && !ReplicationMarkers.IsMarker(key));
            if (keys.Count > 0)
            {
                await DeleteAsync(connection, keys).ConfigureAwait(false);
            }
        }
        while (cursor != "0");
    }

    private static List<byte[]> Keys(ReadOnlySpan<byte> reply, Func<byte[], bool> wanted)
    {
        var keys = new List<byte[]>();
        var items = RespFrame.Array(reply);
        while (items.MoveNext(out var item))
        {
            if (RespFrame.TryBulk(item, out var key) && wanted(key.ToArray()))
            {
                keys.Add(key.ToArray());
            }
        }
        return keys;
    }

    private static async Task DeleteAsync(RespConnection connection, List<byte[]> keys)
    {
        var writer = new RespWriter(64 * 1024);
        foreach (var key in keys)
        {
            writer.Command(2).Bulk("UNLINK"u8).Bulk(key);
        }
        await connection.SendAsync(writer, CancellationToken.None).ConfigureAwait(false);
        foreach (var _ in keys)
        {
            await connection.ReadFrameAsync(CancellationToken.None).ConfigureAwait(false);
            RespConnection.ThrowIfError(connection.Frame);
        }
    }
}
