using System.Text;
using DistributedCopy.Core;
using DistributedCopy.Core.Resp;

namespace DistributedCopy.Testing;

/// <summary>What <see cref="StandardDataSet"/> wrote, per Redis type.</summary>
public sealed record DataSetReport(long Strings, long StringsWithTtl, long Hashes, long Lists, long Sets, long SortedSets, long Streams)
{
    public long Total => Strings + Hashes + Lists + Sets + SortedSets + Streams;

    /// <summary>Keys with an expiry: the TTL strings and every tenth key of each aggregate type.</summary>
    public long Expiring => StringsWithTtl + StandardDataSet.ExpiringOf(Hashes) + StandardDataSet.ExpiringOf(Lists) + StandardDataSet.ExpiringOf(Sets)
        + StandardDataSet.ExpiringOf(SortedSets) + StandardDataSet.ExpiringOf(Streams);

    /// <summary>Counts keyed by the names TYPE returns.</summary>
    public IReadOnlyDictionary<string, long> ByType => new Dictionary<string, long>
    {
        ["string"] = Strings,
        ["hash"] = Hashes,
        ["list"] = Lists,
        ["set"] = Sets,
        ["zset"] = SortedSets,
        ["stream"] = Streams,
    };
}
