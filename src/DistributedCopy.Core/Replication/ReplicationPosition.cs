using System.Globalization;

namespace DistributedCopy.Core.Replication;

/// <summary>
/// Where a replica stands in a master's replication stream: the master's replication id, the offset of the last byte
/// applied (what REPLCONF ACK reports; a PSYNC asks for the byte after it), and the database the stream had selected there
/// (a master that continues a stream does not send its SELECT again). Checkpointed as "replid:offset:database".
/// </summary>
public readonly record struct ReplicationPosition(string ReplicationId, long Offset, int Database = 0)
{
    public override string ToString() =>
        ReplicationId + ":" + Offset.ToString(CultureInfo.InvariantCulture) + ":" + Database.ToString(CultureInfo.InvariantCulture);

    /// <summary>A checkpointed position; null for none (or text that is not one: the link then starts over).</summary>
    public static ReplicationPosition? Parse(string? text)
    {
        var parts = text?.Split(':') ?? [];
        return parts.Length == 3 && parts[0].Length > 0
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var database)
            ? new ReplicationPosition(parts[0], offset, database)
            : null;
    }
}
