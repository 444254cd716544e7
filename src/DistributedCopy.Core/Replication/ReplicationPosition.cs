using System.Globalization;

namespace DistributedCopy.Core.Replication;

/// <summary>
/// Where a replica stands in a master's replication stream: the master's replication id and the offset of the last byte
/// applied (what REPLCONF ACK reports; a PSYNC asks for the byte after it). Checkpointed as "replid:offset".
/// </summary>
public readonly record struct ReplicationPosition(string ReplicationId, long Offset)
{
    public override string ToString() => ReplicationId + ":" + Offset.ToString(CultureInfo.InvariantCulture);

    /// <summary>A checkpointed position; null for none (or text that is not one: the link then starts over).</summary>
    public static ReplicationPosition? Parse(string? text)
    {
        var colon = text?.LastIndexOf(':') ?? -1;
        return colon > 0 && long.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            ? new ReplicationPosition(text![..colon], offset)
            : null;
    }
}
