using System.Globalization;
using System.Text;

namespace DistributedCopy.Core.Rdb;

/// <summary>
/// Verify of a load from an RDB file: each key of the file against the target's DUMP and expiry. Values whose bytes differ
/// (another RDB version, another encoding, hashtables in iteration order) are decoded on both sides and compared as values:
/// a list in order, a set's members, a hash's pairs and a sorted set's members with their scores as sets, a stream's entries.
/// </summary>
internal sealed class FileBatchVerifier(ClusterView target, CopyOptions options, CopyProgress progress, VerifyResult result, long ttlToleranceMs) : IBatchProcessor
{
    private readonly DumpReader _target = new(target, target: true);
    private readonly PayloadDecoder _decoder = new();
    private readonly TypedValue _left = new();
    private readonly TypedValue _right = new();
    private DumpBuffer _targetDumps = new(options.BatchSize);

    public async Task ProcessAsync(KeyBatch batch, CancellationToken cancellationToken)
    {
        if (_targetDumps.Expiry.Length < batch.Capacity)
        {
            _targetDumps = new DumpBuffer(batch.Capacity);
        }
        await Retry.RunAsync(options, progress, [_target.Connections], () => _target.ReadAsync(batch, _targetDumps, cancellationToken), cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < batch.Count; i++)
        {
            var (fileExpiry, targetExpiry) = (batch.Expiry[i], _targetDumps.Expiry[i]);
            if (targetExpiry == KeyBatch.Vanished || _targetDumps.Unread(i))
            {
                result.AddMissing(batch.Key(i));
                continue;
            }
            var left = batch.Payload(i);
            var right = _targetDumps.Payload(i);
            if (!left[..^10].SequenceEqual(right[..^10]))
            {
                if (DataType.NameOf(left) != DataType.NameOf(right))
                {
                    result.AddTypeMismatch(batch.Key(i));
                    continue;
                }
                _decoder.Decode(left, _left);
                _decoder.Decode(right, _right);
                if (!Canonical(_left).SequenceEqual(Canonical(_right), StringComparer.Ordinal))
                {
                    result.AddValueMismatch(batch.Key(i));
                    continue;
                }
            }
            // the file's expiry is absolute, as the target's is read
            if ((fileExpiry < 0) != (targetExpiry < 0) || Math.Abs(fileExpiry - targetExpiry) > ttlToleranceMs)
            {
                result.AddTtlDrift(batch.Key(i));
            }
        }
        result.AddCompared(batch.Count);
        progress.AddBatch(batch.Count, 0, 0, 0);
    }

    public async ValueTask DisposeAsync()
    {
        await _target.DisposeAsync().ConfigureAwait(false);
        _decoder.Dispose();
    }

    /// <summary>A value as comparable text, as its type puts it (<see cref="DataType.Canonical"/>).</summary>
    private static List<string> Canonical(TypedValue value) => DataType.Of(value.Type)!.Canonical(value);
}
