
namespace DistributedCopy.Core.Writers;

/// <summary>
/// Writes the batch's keys marked <see cref="KeyState.Converted"/> (<c>--preset aspnet-session-v5</c>): each old session
/// hash read from the source (HGETALL, or HGET of SessionTimeout), converted, and written under its new name as one
/// string with its absolute expiry (<c>SET … PXAT</c>, Redis 6.2+; <c>NX</c> under skip-existing and fail-on-existing),
/// pipelined per master on both sides. A key that is not a hash, or whose items another serializer wrote, is skipped
/// with a note naming it.
/// </summary>
internal sealed class ConvertingWriter(ClusterView source, ClusterView target, CopyOptions options, CopyProgress progress) : IBatchWriter
{
    private readonly ShardConnections _source = new(source);
    private readonly ShardConnections _target = new(target);
    private int[] _route = [];
    private byte[]?[] _values = [];
    private int _noted;

    public IReadOnlyList<ShardConnections> Connections => [_source, _target];

    public async Task WriteAsync(KeyBatch batch, int from, int to, bool retried, CancellationToken cancellationToken)
    {
        if (_route.Length < batch.Capacity)
        {
            (_route, _values) = (new int[batch.Capacity], new byte[]?[batch.Capacity]);
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        bool Mine(int i) => batch.State[i] == KeyState.Converted;
        for (var i = from; i < to; i++)
        {
            _values[i] = null;
            if (Mine(i) && batch.Gone(i, now))
            {
                batch.State[i] = KeyState.Vanished;
            }
            if (!Mine(i))
            {
                continue;
            }
            _route[i] = Shard(_source, batch.SourceSlot[i], "source");
            var writer = _source.Writer(_route[i]);
            if (AspNetSessionV5.Of(batch.Key(i)) == AspNetSessionV5.Role.Data)
            {
                writer.Command(2).Bulk("HGETALL"u8).Bulk(batch.Key(i));
            }
            else
            {
                writer.Command(3).Bulk("HGET"u8).Bulk(batch.Key(i)).Bulk("SessionTimeout"u8);
            }
        }
        var read = new bool[to];
        var foreign = new bool[to];
        var error = await _source.SendAndReadEachAsync(_route, from, to, Mine, (i, reply) =>
        {
            read[i] = true;
            if (AspNetSessionV5.Of(batch.Key(i)) == AspNetSessionV5.Role.Data)
            {
                var fields = AspNetSessionV5.Fields(reply);
                _values[i] = fields.Count == 0 ? null : AspNetSessionV5.Convert(fields);
                foreign[i] = fields.Count > 0 && _values[i] is null;
            }
            else
            {
                _values[i] = RespFrame.TryBulk(reply, out var seconds) ? seconds.ToArray() : null;
            }
        }, cancellationToken).ConfigureAwait(false);
        if (error is not null && !error.StartsWith("WRONGTYPE", StringComparison.Ordinal))
        {
            throw ServerErrors.Classify(error, "source");
        }
        for (var i = from; i < to; i++)
        {
            if (!Mine(i))
            {
                continue;
            }
            if (!read[i] || foreign[i])
            {
                // not a hash, or items another serializer wrote: nothing 5.0 could read
                batch.State[i] = KeyState.Skipped;
                Note(batch.Key(i), read[i] ? "holds items not written by the provider's BinaryFormatter serializer (a custom redisSerializerType?)" : "is not the hash the provider before 5.0 writes");
                continue;
            }
            if (_values[i] is null)
            {
                batch.State[i] = KeyState.Vanished;
                continue;
            }
            _route[i] = Shard(_target, batch.TargetSlot[i], "target");
            var writer = _target.Writer(_route[i]);
            var expiry = batch.Expiry[i];
            var nx = options.Policy != OverwritePolicy.Replace;
            writer.Command(3 + (expiry >= 0 ? 2 : 0) + (nx ? 1 : 0)).Bulk("SET"u8).Bulk(batch.TargetKey(i)).Bulk(_values[i]);
            if (expiry >= 0)
            {
                writer.Bulk("PXAT"u8).Bulk(expiry);
            }
            if (nx)
            {
                writer.Bulk("NX"u8);
            }
        }
        var written = new List<int>();
        options.Fence?.Check();
        error = await _target.SendAndReadEachAsync(_route, from, to, Mine, (i, reply) =>
        {
            if (!RespFrame.IsNull(reply))
            {
                batch.State[i] = KeyState.Copied;
                written.Add(i);
            }
            else
            {
                batch.State[i] = TargetReplies.Existing(options, retried, batch.TargetKey(i));
            }
        }, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            throw error.Contains("syntax", StringComparison.OrdinalIgnoreCase)
                ? new CopyException($"the target refused SET … PXAT ({error}): --preset {AspNetSessionV5.Name} needs a target of Redis 6.2 or later")
                : ServerErrors.Classify(error, "target");
        }
        try
        {
            // copied once a replica holds them, as every writer's keys are
            await _target.AcknowledgedAsync(written.Select(i => _route[i]), options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // not acknowledged: not written, so the retry writes them again
            written.ForEach(i => batch.State[i] = KeyState.Converted);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync().ConfigureAwait(false);
        await _target.DisposeAsync().ConfigureAwait(false);
    }

    private static int Shard(ShardConnections side, int slot, string name) => side.Topology.ShardOrThrow(slot, name);

    private void Note(ReadOnlySpan<byte> key, string why)
    {
        if (Interlocked.Exchange(ref _noted, 1) == 0)
        {
            progress.AddNote($"--preset {AspNetSessionV5.Name}: key {KeyText.Printable(key)} {why}: skipped (and any other such key)");
        }
    }
}
