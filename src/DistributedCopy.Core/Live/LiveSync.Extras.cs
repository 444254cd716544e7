namespace DistributedCopy.Core.Live;

// LiveSync, part 3: after a bucket is copied again, the keys the target holds there and the source lacks are marked
// changed, so the applier deletes them (after checking the source once more, in order with every other change).
public sealed partial class LiveSync
{
    private async Task MarkExtrasAsync(HashSet<int> buckets, CancellationToken cancellationToken)
    {
        var (source, target) = await _engine.ViewsAsync(_database, cancellationToken).ConfigureAwait(false);
        var keys = target.Topology.IsCluster && _cluster && buckets.Count <= 1024
            ? await KeysInSlotsAsync(target.Topology, buckets, cancellationToken).ConfigureAwait(false)
            : await ScanAsync(target, buckets, cancellationToken).ConfigureAwait(false);
        foreach (var chunk in keys.Chunk(1000))
        {
            foreach (var key in await AbsentAsync(source, chunk, cancellationToken).ConfigureAwait(false))
            {
                _dirty.Add(Bucket(key), key);
            }
        }
    }

    private static async Task<List<byte[]>> KeysInSlotsAsync(Topology topology, HashSet<int> slots, CancellationToken cancellationToken)
    {
        var keys = new List<byte[]>();
        foreach (var shard in topology.Shards)
        {
            await using var connection = await RespConnection.ConnectAsync(shard.Master, cancellationToken).ConfigureAwait(false);
            foreach (var slot in slots.Where(s => shard.Slots.Any(r => r.Contains(s))))
            {
                var count = await connection.ExecuteIntegerAsync("CLUSTER", "COUNTKEYSINSLOT", slot.ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
                if (count > 0)
                {
                    AddKeys(await connection.ExecuteAsync("CLUSTER", "GETKEYSINSLOT", slot.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        count.ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false), keys, _ => true);
                }
            }
        }
        return keys;
    }

    private async Task<List<byte[]>> ScanAsync(ClusterView view, HashSet<int> buckets, CancellationToken cancellationToken)
    {
        var keys = new List<byte[]>();
        foreach (var node in view.Topology.IsCluster ? view.Topology.Shards.Select(s => s.Master) : [view.Seed])
        {
            await using var connection = await RespConnection.ConnectAsync(node, cancellationToken).ConfigureAwait(false);
            var cursor = "0";
            do
            {
                var page = await connection.ExecuteAsync("SCAN", cursor, "COUNT", "1000").ConfigureAwait(false);
                cursor = Page(page, keys, key => buckets.Contains(Bucket(key)));
            }
            while (cursor != "0");
        }
        return keys;
    }

    /// <summary>The keys of <paramref name="keys"/> the source does not have (EXISTS 0), one pipelined round per master.</summary>
    private async Task<List<byte[]>> AbsentAsync(ClusterView source, byte[][] keys, CancellationToken cancellationToken)
    {
        var absent = new List<byte[]>();
        foreach (var group in keys.GroupBy(key => _cluster ? source.Topology.ShardFor(HashSlot.Of(key)) : 0))
        {
            var node = _cluster ? source.Topology.Shards[group.Key].Master : source.Seed;
            await using var connection = await RespConnection.ConnectAsync(node, cancellationToken).ConfigureAwait(false);
            var writer = new RespWriter(64 * 1024);
            foreach (var key in group)
            {
                writer.Command(2).Bulk("EXISTS"u8).Bulk(key);
            }
            await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
            foreach (var key in group)
            {
                await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                // an error (a slot moved meanwhile) counts as absent: the applier checks the key again before deleting it
                if (RespFrame.IsError(connection.Frame) || RespFrame.Integer(connection.Frame) == 0)
                {
                    absent.Add(key);
                }
            }
        }
        return absent;
    }

    private static string Page(byte[] reply, List<byte[]> into, Func<byte[], bool> keep)
    {
        var page = RespFrame.Array(reply);
        var cursor = RespFrame.String(page.Next());
        var list = page.Next().ToArray();
        AddKeys(list, into, keep);
        return cursor;
    }

    private static void AddKeys(byte[] array, List<byte[]> into, Func<byte[], bool> keep)
    {
        var items = RespFrame.Array(array);
        while (items.MoveNext(out var item))
        {
            RespFrame.TryBulk(item, out var key);
            var bytes = key.ToArray();
            if (keep(bytes))
            {
                into.Add(bytes);
            }
        }
    }
}
