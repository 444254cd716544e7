namespace DistributedCopy.Core.Verify;

/// <summary>
/// Verify's second pass: batches of keys listed on the target, checked with pipelined EXISTS on the source; a key the
/// source does not have is "extra" (left over from before, or written to the target by someone else).
/// </summary>
internal sealed class ExtraKeyFinder(ClusterView source, CopyOptions options, CopyProgress progress, VerifyResult result) : IBatchProcessor
{
    private readonly ShardConnections _source = new(source);
    private int[] _route = new int[options.BatchSize];
    private readonly List<int> _extra = [];

    public async Task ProcessAsync(KeyBatch batch, CancellationToken cancellationToken)
    {
        if (_route.Length < batch.Count)
        {
            _route = new int[batch.Capacity];
        }
        await Retry.RunAsync(options, progress, [_source], async () =>
        {
            _extra.Clear();
            var topology = _source.Topology;
            for (var i = 0; i < batch.Count; i++)
            {
                _route[i] = topology.ShardFor(batch.SourceSlot[i]);
                if (_route[i] < 0)
                {
                    throw new TopologyChangedException($"no source master serves slot {batch.SourceSlot[i]}");
                }
                _source.Writer(_route[i]).Command(2).Bulk("EXISTS"u8).Bulk(batch.Key(i));
            }
            try
            {
                await _source.SendAllAsync(cancellationToken).ConfigureAwait(false);
                for (var shard = 0; shard < topology.Shards.Count; shard++)
                {
                    if (!_source.HasCommands(shard))
                    {
                        continue;
                    }
                    var connection = await _source.ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        if (_route[i] != shard)
                        {
                            continue;
                        }
                        await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                        if (RespFrame.IsError(connection.Frame))
                        {
                            throw ServerErrors.Classify(RespFrame.ErrorText(connection.Frame), "source");
                        }
                        if (RespFrame.Integer(connection.Frame) == 0)
                        {
                            _extra.Add(i);
                        }
                    }
                }
            }
            finally
            {
                _source.ClearWriters();
            }
        }, cancellationToken).ConfigureAwait(false);
        // counted once the whole batch is checked, so a retried batch counts each key once
        foreach (var i in _extra)
        {
            result.AddExtra(batch.Key(i));
        }
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
