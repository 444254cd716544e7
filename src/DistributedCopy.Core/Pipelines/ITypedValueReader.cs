namespace DistributedCopy.Core.Pipelines;

/// <summary>Where the typed writer gets keys' values: read by type from the source, or decoded from payloads that came with the keys.</summary>
internal interface ITypedValueReader
{
    /// <summary>The connections it reads through (none when values come with the keys).</summary>
    ShardConnections? Connections { get; }

    /// <summary>Fills <paramref name="into"/>[k] with the value of the batch's key <paramref name="keys"/>[k].</summary>
    Task ReadAsync(KeyBatch batch, IReadOnlyList<int> keys, TypedValue[] into, CancellationToken cancellationToken);
}
