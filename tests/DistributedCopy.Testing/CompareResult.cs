using DistributedCopy.Core.Resp;
using StackExchange.Redis;

namespace DistributedCopy.Testing;

/// <summary>How a target differs from its source, key by key.</summary>
public sealed record CompareResult(long SourceKeys, long TargetKeys, long Missing, long ValueDiffers, long TtlDrift, long TypedDiffers, long TypedCompared, IReadOnlyList<string> Examples)
{
    public bool Identical => SourceKeys == TargetKeys && Missing == 0 && ValueDiffers == 0 && TtlDrift == 0 && TypedDiffers == 0;

    public override string ToString() =>
        $"source={SourceKeys} target={TargetKeys} missing={Missing} value={ValueDiffers} ttl={TtlDrift} typed={TypedDiffers}/{TypedCompared} e.g. {string.Join("; ", Examples)}";
}
