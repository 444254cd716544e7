namespace DistributedCopy.Core.Verify;

/// <summary>
/// Verify's pipeline: DUMP+PTTL of a batch from both sides, compared key by key. Payloads that differ in bytes (hashtable
/// encodings serialize in iteration order) are compared again by value with type-specific reads. Keys above the big-key
/// size are not DUMPed but compared a chunk at a time, as are keys a server will not DUMP (<see cref="ChunkedComparer"/>).
/// </summary>
internal sealed class BatchVerifier(ClusterView source, ClusterView target, CopyOptions options, CopyProgress progress, VerifyResult result, long ttlToleranceMs)
    : IBatchProcessor
{
    private readonly DumpReader _source = new(source, bigKeyBytes: options.BigKeyBytes, types: options.Selection.Types);
    private readonly DumpReader _target = new(target, target: true, bigKeyBytes: options.BigKeyBytes);
    private DumpBuffer _targetDumps = new(options.BatchSize);
    private ChunkedComparer? _chunked;

    public async Task ProcessAsync(KeyBatch batch, CancellationToken cancellationToken)
    {
        if (_targetDumps.Expiry.Length < batch.Capacity)
        {
            _targetDumps = new DumpBuffer(batch.Capacity);
        }
        await Retry.RunAsync(options, progress, [_source.Connections, _target.Connections], async () =>
        {
            await _source.ReadAsync(batch, batch.Dumps, cancellationToken).ConfigureAwait(false);
            await _target.ReadAsync(batch, _targetDumps, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        var compared = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            var sourceTtl = batch.Expiry[i];
            if (sourceTtl == KeyBatch.Vanished || batch.State[i] == KeyState.Excluded)
            {
                continue;
            }
            compared++;
            var targetTtl = _targetDumps.Expiry[i];
            if (options.Selection.Converts(batch.Key(i)))
            {
                // another shape on the target (--preset): the target's value must be what converting the source's gives now
                var same = false;
                await Retry.RunAsync(options, progress, [_source.Connections, _target.Connections],
                    async () => same = await ConvertedComparer.SameAsync(_source.Connections, _target.Connections, batch, i, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                if (targetTtl == KeyBatch.Vanished)
                {
                    result.AddMissing(batch.Key(i));
                }
                else if (!same)
                {
                    result.AddValueMismatch(batch.Key(i));
                }
                else if ((sourceTtl < 0) != (targetTtl < 0) || Math.Abs(sourceTtl - targetTtl) > ttlToleranceMs)
                {
                    result.AddTtlDrift(batch.Key(i));
                }
                continue;
            }
            if (batch.Dumps.Unread(i) || _targetDumps.Unread(i))
            {
                _chunked ??= new ChunkedComparer(_source.Connections, _target.Connections, chunkBytes: options.ChunkBytes);
                var (key, targetKey, sourceSlot, targetSlot) = (batch.Key(i).ToArray(), batch.TargetKey(i).ToArray(), batch.SourceSlot[i], batch.TargetSlot[i]);
                var outcome = ChunkedComparer.Outcome.Same;
                await Retry.RunAsync(options, progress, [_source.Connections, _target.Connections],
                    async () => outcome = await _chunked.CompareAsync(key, targetKey, sourceSlot, targetSlot, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                if (outcome != ChunkedComparer.Outcome.Same)
                {
                    Record(outcome, batch.Key(i), ref compared);
                    continue;
                }
            }
            else if (targetTtl == KeyBatch.Vanished)
            {
                result.AddMissing(batch.Key(i));
                continue;
            }
            var left = batch.Payload(i);
            var right = _targetDumps.Payload(i);
            if (!left.IsEmpty && !right.IsEmpty && !left.SequenceEqual(right))
            {
                var type = DataType.NameOf(left);
                if (type != DataType.NameOf(right))
                {
                    result.AddTypeMismatch(batch.Key(i));
                    continue;
                }
                if (!await SameValueAsync(batch.Key(i).ToArray(), batch.TargetKey(i).ToArray(), batch.SourceSlot[i], batch.TargetSlot[i], type, cancellationToken).ConfigureAwait(false))
                {
                    result.AddValueMismatch(batch.Key(i));
                    continue;
                }
            }
            // absolute expiry on both sides; the tolerance covers clocks and PTTL's rounding
            if ((sourceTtl < 0) != (targetTtl < 0) || Math.Abs(sourceTtl - targetTtl) > ttlToleranceMs)
            {
                result.AddTtlDrift(batch.Key(i));
            }
        }
        result.AddCompared(compared);
        progress.AddBatch(compared, 0, 0, batch.Count - compared);
    }

    private void Record(ChunkedComparer.Outcome outcome, ReadOnlySpan<byte> key, ref int compared)
    {
        switch (outcome)
        {
            case ChunkedComparer.Outcome.Vanished:
                compared--;
                break;
            case ChunkedComparer.Outcome.Missing:
                result.AddMissing(key);
                break;
            case ChunkedComparer.Outcome.TypeMismatch:
                result.AddTypeMismatch(key);
                break;
            default:
                result.AddValueMismatch(key);
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync().ConfigureAwait(false);
        await _target.DisposeAsync().ConfigureAwait(false);
    }

    private async Task<bool> SameValueAsync(byte[] key, byte[] targetKey, int sourceSlot, int targetSlot, string type, CancellationToken cancellationToken)
    {
        if (DataType.Of(type) is not { } dataType)
        {
            return false;
        }
        var (commands, sort) = (dataType.CanonicalCommands, dataType.Unordered);
        var left = await ReadCanonicalAsync(_source.Connections, key, sourceSlot, commands, sort, cancellationToken).ConfigureAwait(false);
        var right = await ReadCanonicalAsync(_target.Connections, targetKey, targetSlot, commands, sort, cancellationToken).ConfigureAwait(false);
        return left.SequenceEqual(right, StringComparer.Ordinal);
    }

    private static async Task<List<string>> ReadCanonicalAsync(ShardConnections connections, byte[] key, int slot, string[][] commands, bool sort, CancellationToken cancellationToken)
    {
        var topology = connections.Topology;
        var shard = topology.ShardFor(slot);
        var connection = await connections.ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
        var writer = new RespWriter(256);
        foreach (var command in commands)
        {
            DataType.WriteRead(writer, command, key);
        }
        await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
        var values = new List<string>();
        foreach (var _ in commands)
        {
            await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            RespConnection.ThrowIfError(connection.Frame);
            var elements = new List<string>();
            Flatten(connection.Frame, elements);
            if (sort && commands.Length == 1 && commands[0][0] == "HGETALL")
            {
                elements = elements.Chunk(2).Select(pair => string.Join("=", pair)).ToList();
            }
            if (sort)
            {
                elements.Sort(StringComparer.Ordinal);
            }
            values.AddRange(elements);
        }
        return values;
    }

    private static void Flatten(ReadOnlySpan<byte> frame, List<string> into)
    {
        if (frame[0] is (byte)'*' or (byte)'~' or (byte)'%' or (byte)'>')
        {
            var elements = RespFrame.Array(frame);
            while (elements.MoveNext(out var element))
            {
                Flatten(element, into);
            }
            return;
        }
        into.Add(frame[0] == (byte)':' ? RespFrame.Integer(frame).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : RespFrame.TryBulk(frame, out var value) ? Convert.ToBase64String(value) : "(nil)");
    }
}
