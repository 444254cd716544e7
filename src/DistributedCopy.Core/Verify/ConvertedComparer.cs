
namespace DistributedCopy.Core.Verify;

/// <summary>
/// Verify under <c>--preset aspnet-session-v5</c>: a converted key is the same when the target's string holds exactly what
/// converting the source's hash now gives (the data) or the source's SessionTimeout field (the timeout).
/// </summary>
internal static class ConvertedComparer
{
    public static async Task<bool> SameAsync(ShardConnections source, ShardConnections target, KeyBatch batch, int i, CancellationToken cancellationToken)
    {
        var data = AspNetSessionV5.Of(batch.Key(i)) == AspNetSessionV5.Role.Data;
        var left = await source.ConnectionAsync(source.Topology.ShardFor(batch.SourceSlot[i]), cancellationToken).ConfigureAwait(false);
        var writer = new RespWriter(256);
        if (data)
        {
            writer.Command(2).Bulk("HGETALL"u8).Bulk(batch.Key(i));
        }
        else
        {
            writer.Command(3).Bulk("HGET"u8).Bulk(batch.Key(i)).Bulk("SessionTimeout"u8);
        }
        await left.SendAsync(writer, cancellationToken).ConfigureAwait(false);
        await left.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        if (RespFrame.IsError(left.Frame))
        {
            return false;
        }
        byte[]? expected;
        if (data)
        {
            expected = AspNetSessionV5.Convert(AspNetSessionV5.Fields(left.Frame));
        }
        else
        {
            expected = RespFrame.TryBulk(left.Frame, out var seconds) ? seconds.ToArray() : null;
        }
        var right = await target.ConnectionAsync(target.Topology.ShardFor(batch.TargetSlot[i]), cancellationToken).ConfigureAwait(false);
        await right.SendAsync(new RespWriter(256).Command(2).Bulk("GET"u8).Bulk(batch.TargetKey(i)), cancellationToken).ConfigureAwait(false);
        await right.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        return expected is not null && RespFrame.TryBulk(right.Frame, out var actual) && actual.SequenceEqual(expected);
    }
}
