namespace DistributedCopy.Abstractions;

/// <summary>How a live sync learns of the source's writes.</summary>
[GenerateSerializer, Alias("dcopy.SyncCapture")]
public enum SyncCapture
{
    /// <summary>Keyspace notifications (the only way on managed caches), every gap reconciled; a canary proves each feed.</summary>
    Notifications = 0,

    /// <summary>The replication stream: dcopy a replica of the source master (self-hosted Redis), resumed by its offset.</summary>
    Replication = 1,
}
