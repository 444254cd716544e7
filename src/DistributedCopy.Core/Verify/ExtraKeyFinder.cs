namespace DistributedCopy.Core.Verify;

/// <summary>
/// Batches of keys listed on the target, checked with pipelined EXISTS on the source; each key the source does not have
/// is handed to <paramref name="extra"/>: verify's second pass counts them (left over from before, or written to the
/// target by someone else), a live sync's reconcile deletes them.
/// </summary>
internal sealed class ExtraKeyFinder(ClusterView source, CopyOptions options, CopyProgress progress, Action<byte[]> extra) : IBatchProcessor
{
    private readonly ShardConnections _source = new(source);
    private int[] _route = new int[options.BatchSize];
    private readonly List<int> _extra = [];

    /// <summary>The target's keys: of <paramref name="slots"/> on a cluster target, of its database on a standalone one.</summary>
    public static IReadOnlyList<IKeySource> TargetKeys(ClusterView target, IReadOnlyList<SlotRange> slots, SlotTracker tracker, CopyOptions options, CopyProgress progress) =>
        target.Topology.IsCluster
            ? SlotSource.ForShards(target, slots, tracker, options, progress)
            : [new ScanSource(target, target.Seed.Database, ScanPosition.Start, null, options, progress)];

    public async Task ProcessAsync(KeyBatch batch, CancellationToken cancellationToken)
    {
        if (_route.Length < batch.Count)
        {
            _route = new int[batch.Capacity];
        }
        await Retry.RunAsync(options, progress, [_source], async () =>
        {
            _extra.Clear();
            for (var i = 0; i < batch.Count; i++)
            {
                _route[i] = _source.Topology.ShardOrThrow(batch.SourceSlot[i], "source");
                _source.Writer(_route[i]).Command(2).Bulk("EXISTS"u8).Bulk(batch.Key(i));
            }
            var error = await _source.SendAndReadEachAsync(_route, 0, batch.Count, _ => true, (i, reply) =>
            {
                if (RespFrame.Integer(reply) == 0)
                {
                    _extra.Add(i);
                }
            }, cancellationToken).ConfigureAwait(false);
            if (error is not null)
            {
                throw ServerErrors.Classify(error, "source");
            }
        }, cancellationToken).ConfigureAwait(false);
        // handed on once the whole batch is checked, so a retried batch reports each key once
        foreach (var i in _extra)
        {
            extra(batch.Key(i).ToArray());
        }
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
