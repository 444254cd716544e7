namespace DistributedCopy.Core.Cluster;

/// <summary>Takes the reply (not an error) to the command written for entry <paramref name="index"/> of a pipelined round.</summary>
internal delegate void ReplyHandler(int index, ReadOnlySpan<byte> reply);
