namespace DistributedCopy.Core.Writers;

/// <summary>
/// Copies big keys (<see cref="KeyState.Chunked"/>) a chunk at a time, so memory stays bounded whatever the key's size:
/// read with GETRANGE, LRANGE, HSCAN, SSCAN, ZSCAN or XRANGE and written with APPEND, RPUSH, HSET, SADD, ZADD or XADD under a
/// temporary name of this writer's own in the key's slot (<see cref="TempKey"/>, with a day's TTL in case the copy dies), then put in
/// place with its expiry by one MULTI/EXEC of PEXPIREAT and RENAME, so the target never shows half a key. A key that fails
/// midway is started again (the retry, or a resume, replaces the temporary key). Reads of the next chunk overlap the
/// write of the last. A value changed on the source while it is read is copied as the reads found it.
/// </summary>
internal sealed partial class ChunkedWriter(ClusterView source, ClusterView target, CopyOptions options, CopyProgress progress) : IBatchWriter, IChunkedCopy
{
    private const long TempTtlMs = 24L * 3600 * 1000;

    private readonly ShardConnections _source = new(source);
    private readonly ShardConnections _target = new(target);
    private readonly RespWriter _command = new(4096);
    // grows with the first big key; most pipelines never see one
    private readonly RespWriter _chunk = new(4 * 1024);
    private readonly string _writer = TempKey.Writer(options.JobTag);
    private RespConnection _from = null!;
    private RespConnection _to = null!;
    private string _node = "";
    private byte[] _key = [];
    private byte[] _targetKey = [];
    private byte[] _temp = [];
    private int _pending;
    private long _bytes;

    public IReadOnlyList<ShardConnections> Connections => [_source, _target];

    public async Task WriteAsync(KeyBatch batch, int from, int to, bool retried, CancellationToken cancellationToken)
    {
        for (var i = from; i < to; i++)
        {
            if (batch.State[i] == KeyState.Chunked)
            {
                batch.State[i] = await CopyAsync(batch, i, retried, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync().ConfigureAwait(false);
        await _target.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<KeyState> CopyAsync(KeyBatch batch, int i, bool retried, CancellationToken cancellationToken)
    {
        _key = batch.Key(i).ToArray();
        _targetKey = batch.TargetKey(i).ToArray();
        var expiry = batch.Expiry[i];
        _from = await _source.ConnectionAsync(Shard(_source, batch.SourceSlot[i], "source"), cancellationToken).ConfigureAwait(false);
        var shard = Shard(_target, batch.TargetSlot[i], "target");
        _to = await _target.ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
        _node = _target.Topology.Shards[shard].Master.Address;
        _pending = 0;
        _bytes = 0;
        if (options.Policy != OverwritePolicy.Replace && RespFrame.Integer(await TargetAsync(Command("EXISTS", _targetKey), cancellationToken).ConfigureAwait(false)) == 1)
        {
            return Existing(retried);
        }
        var name = RespFrame.String(await SourceAsync(Command("TYPE", _key), cancellationToken).ConfigureAwait(false));
        if (name == "none")
        {
            return KeyState.Vanished;
        }
        var type = DataType.Of(name) ?? throw new CopyException($"key {KeyText.Printable(_key)} is of type {name}, which only DUMP/RESTORE copies");
        var temp = _temp = TempKey.For(_targetKey, batch.TargetSlot[i], _writer);
        await TargetAsync(Command("DEL", temp), cancellationToken).ConfigureAwait(false);
        var written = await type.CopyChunkedAsync(this, cancellationToken).ConfigureAwait(false);
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        // gone (or replaced by another type) while it was read: what was read is not the key's value
        if (!written || RespFrame.String(await SourceAsync(Command("TYPE", _key), cancellationToken).ConfigureAwait(false)) != name)
        {
            await TargetAsync(Command("DEL", temp), cancellationToken).ConfigureAwait(false);
            return KeyState.Vanished;
        }
        var placed = await PlaceAsync(temp, expiry, retried, cancellationToken).ConfigureAwait(false);
        if (placed == KeyState.Copied)
        {
            // copied once a replica holds it, as every writer's keys are (a failure here copies the key again)
            await _target.AcknowledgedAsync([shard], options, cancellationToken).ConfigureAwait(false);
            progress.AddChunked(1, _bytes);
        }
        return placed;
    }

    /// <summary>MULTI, the expiry on the temporary key (RENAME carries it over), RENAME (RENAMENX unless replacing), EXEC.</summary>
    private async Task<KeyState> PlaceAsync(byte[] temp, long expiry, bool retried, CancellationToken cancellationToken)
    {
        var replace = options.Policy == OverwritePolicy.Replace;
        _command.Clear();
        _command.Command(1).Bulk("MULTI"u8);
        if (expiry >= 0)
        {
            _command.Command(3).Bulk("PEXPIREAT"u8).Bulk(temp).Bulk(expiry);
        }
        else
        {
            _command.Command(2).Bulk("PERSIST"u8).Bulk(temp);
        }
        _command.Command(3).Bulk(replace ? "RENAME"u8 : "RENAMENX"u8).Bulk(temp).Bulk(_targetKey);
        _command.Command(1).Bulk("EXEC"u8);
        options.Fence?.Check();
        await _to.SendAsync(_command, cancellationToken).ConfigureAwait(false);
        for (var reply = 0; reply < 3; reply++)
        {
            await _to.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            ThrowIfRefused(_to.Frame);
        }
        await _to.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        var outcome = Placed(_to.Frame);
        if (outcome == KeyState.Skipped)
        {
            await TargetAsync(Command("DEL", temp), cancellationToken).ConfigureAwait(false);
            return Existing(retried);
        }
        return outcome;
    }

    /// <summary>EXEC's reply: Copied, Vanished (expired by the time it was placed, so RENAME found nothing), or Skipped (RENAMENX found the key).</summary>
    private KeyState Placed(ReadOnlySpan<byte> exec)
    {
        ThrowIfRefused(exec);
        if (RespFrame.IsNull(exec))
        {
            throw Refused("EXEC aborted");
        }
        var replies = RespFrame.Array(exec);
        replies.Next();
        var rename = replies.Next();
        if (RespFrame.IsError(rename))
        {
            return RespFrame.ErrorText(rename).StartsWith("ERR no such key", StringComparison.Ordinal) ? KeyState.Vanished : throw Refused(RespFrame.ErrorText(rename));
        }
        return rename[0] == (byte)':' && RespFrame.Integer(rename) == 0 ? KeyState.Skipped : KeyState.Copied;
    }

    /// <summary>The target has the key: skip it (skip-existing, or the copy of it went through before a retry or resume), or stop.</summary>
    private KeyState Existing(bool retried) => TargetReplies.Existing(options, retried, _targetKey);

    private static int Shard(ShardConnections side, int slot, string name) => side.Topology.ShardOrThrow(slot, name);
}
