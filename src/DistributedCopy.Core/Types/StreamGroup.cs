namespace DistributedCopy.Core.Types;

/// <summary>A stream's consumer group as XINFO STREAM … FULL shows it: its position, its consumers, its pending entries.</summary>
internal sealed class StreamGroup
{
    /// <summary>name, last-delivered-id, entries-read (Redis 7), as text.</summary>
    public Dictionary<string, string> Fields { get; } = new(StringComparer.Ordinal);

    public List<byte[]> Consumers { get; } = [];

    /// <summary>Each pending entry: its id, the consumer it was delivered to, when (Unix ms) and how many times.</summary>
    public List<(byte[] Id, byte[] Consumer, long DeliveryTime, long Deliveries)> Pending { get; } = [];
}
