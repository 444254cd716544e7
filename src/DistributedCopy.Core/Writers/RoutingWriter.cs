namespace DistributedCopy.Core.Writers;

/// <summary>
/// Auto and typed modes: each key goes by RESTORE where the target takes its payload, and by type where it does not. A
/// payload type the target refused once (a newer RDB version, a type it does not restore, no permission for RESTORE) goes
/// by type from then on without asking again; the first refusal of each kind is noted for the operator. Big keys (not
/// DUMPed) go in chunks.
/// </summary>
internal sealed class RoutingWriter : IBatchWriter
{
    private readonly CopyOptions _options;
    private readonly CopyProgress _progress;
    private readonly RestoreWriter _restore;
    private readonly TypedWriter _typed;
    private readonly ChunkedWriter? _chunked;
    private readonly ConvertingWriter? _converting;
    private readonly bool[] _typedPayloadTypes = new bool[256];

    public RoutingWriter(ClusterView source, ClusterView target, CopyOptions options, CopyProgress progress)
    {
        _options = options;
        _progress = progress;
        _restore = new RestoreWriter(target, options) { Refused = Refused };
        _typed = new TypedWriter(new TypedReader(source), target, options, progress);
        _chunked = new ChunkedWriter(source, target, options, progress);
        _converting = new ConvertingWriter(source, target, options, progress);
    }

    /// <summary>For keys whose payloads came with them (an RDB file): what RESTORE refuses is decoded from the payload and written by type.</summary>
    public RoutingWriter(ClusterView target, CopyOptions options, CopyProgress progress, ITypedValueReader values)
    {
        _options = options;
        _progress = progress;
        _restore = new RestoreWriter(target, options) { Refused = Refused };
        _typed = new TypedWriter(values, target, options, progress);
    }

    public IReadOnlyList<ShardConnections> Connections => [.. _restore.Connections, .. _typed.Connections, .. _chunked?.Connections ?? [], .. _converting?.Connections ?? []];

    public async Task WriteAsync(KeyBatch batch, int from, int to, bool retried, CancellationToken cancellationToken)
    {
        var byType = false;
        var chunked = false;
        var converted = false;
        for (var i = from; i < to; i++)
        {
            if (batch.State[i] == KeyState.Pending && _options.Selection.Converts(batch.Key(i)))
            {
                // a value of another shape under its new name (--preset)
                batch.State[i] = KeyState.Converted;
                converted = true;
            }
            else if (batch.State[i] == KeyState.Pending && batch.Dumps.Big[i] && batch.Expiry[i] != KeyBatch.Vanished)
            {
                batch.State[i] = KeyState.Chunked;
            }
            // typed mode takes every key, gone ones too (the typed writer counts them as vanished); so does a key the source would not DUMP
            else if (batch.State[i] == KeyState.Pending
                && (_options.Mode == CopyMode.Typed || batch.Dumps.Unread(i) || (batch.PayloadLength[i] > 0 && Volatile.Read(ref _typedPayloadTypes[batch.Payload(i)[0]]))))
            {
                batch.State[i] = KeyState.Typed;
            }
            byType |= batch.State[i] == KeyState.Typed;
            chunked |= batch.State[i] == KeyState.Chunked;
        }
        if (_options.Mode != CopyMode.Typed)
        {
            await _restore.WriteAsync(batch, from, to, retried, cancellationToken).ConfigureAwait(false);
            for (var i = from; i < to && !byType; i++)
            {
                byType = batch.State[i] == KeyState.Typed;
            }
        }
        if (byType)
        {
            await _typed.WriteAsync(batch, from, to, retried, cancellationToken).ConfigureAwait(false);
        }
        if (chunked && _chunked is not null)
        {
            await _chunked.WriteAsync(batch, from, to, retried, cancellationToken).ConfigureAwait(false);
        }
        if (converted && _converting is not null)
        {
            await _converting.WriteAsync(batch, from, to, retried, cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _restore.DisposeAsync().ConfigureAwait(false);
        await _typed.DisposeAsync().ConfigureAwait(false);
        if (_chunked is not null)
        {
            await _chunked.DisposeAsync().ConfigureAwait(false);
        }
        if (_converting is not null)
        {
            await _converting.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Refused(KeyBatch batch, int index, string reason)
    {
        var type = batch.Payload(index)[0];
        if (!Volatile.Read(ref _typedPayloadTypes[type]))
        {
            Volatile.Write(ref _typedPayloadTypes[type], true);
            _progress.AddNote($"the target does not RESTORE {DataType.NameOf(batch.Payload(index))} payloads ({reason}): those keys are written by type");
        }
    }
}
