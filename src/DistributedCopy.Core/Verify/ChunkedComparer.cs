namespace DistributedCopy.Core.Verify;

/// <summary>
/// Compares one key by value a chunk at a time, for keys too big to DUMP and for keys a server will not DUMP: type and
/// length first, then the values as the type compares them (<see cref="DataType.CompareChunkedAsync"/>): strings by
/// GETRANGE, lists and streams by LRANGE/XRANGE on both sides, hashes, sets and sorted sets by scanning the source and
/// looking each chunk up on the target. Equal lengths and every source item found equal on the target make the values
/// equal. The key may have another name on the target (renamed).
/// </summary>
internal sealed class ChunkedComparer(ShardConnections source, ShardConnections target, int chunkItems = 1000, int chunkBytes = 1024 * 1024)
{
    public enum Outcome { Same, Vanished, Missing, TypeMismatch, ValueMismatch }

    public async Task<Outcome> CompareAsync(byte[] key, byte[] targetKey, int sourceSlot, int targetSlot, CancellationToken cancellationToken)
    {
        var left = await source.ConnectionAsync(source.Topology.ShardFor(sourceSlot), cancellationToken).ConfigureAwait(false);
        var right = await target.ConnectionAsync(target.Topology.ShardFor(targetSlot), cancellationToken).ConfigureAwait(false);
        var pair = new ComparedKey(left, right, key, targetKey, chunkItems, chunkBytes);
        var name = RespFrame.String(await pair.SourceAsync(cancellationToken, "TYPE", key).ConfigureAwait(false));
        var other = RespFrame.String(await pair.TargetAsync(cancellationToken, "TYPE", targetKey).ConfigureAwait(false));
        if (name == "none")
        {
            return Outcome.Vanished;
        }
        if (other != name)
        {
            return other == "none" ? Outcome.Missing : Outcome.TypeMismatch;
        }
        if (DataType.Of(name) is not { } type)
        {
            return Outcome.ValueMismatch;
        }
        var length = RespFrame.Integer(await pair.SourceAsync(cancellationToken, type.LengthCommand, key).ConfigureAwait(false));
        if (length != RespFrame.Integer(await pair.TargetAsync(cancellationToken, type.LengthCommand, targetKey).ConfigureAwait(false)))
        {
            return Outcome.ValueMismatch;
        }
        return await type.CompareChunkedAsync(pair, length, cancellationToken).ConfigureAwait(false) ? Outcome.Same : Outcome.ValueMismatch;
    }
}
