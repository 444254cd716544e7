namespace DistributedCopy.Core.Sources;

/// <summary>A planned unit of work: contiguous slots inside one source shard, or one database of a standalone source.</summary>
public sealed record PlannedPartition(int StartSlot, int EndSlot, long Keys, int Database = -1)
{
    /// <summary>The source master it is read from ("host:port"), or the database's name ("db3").</summary>
    public string Shard { get; init; } = "";
}
