namespace DistributedCopy.Core.Writers;

/// <summary>The export's writer: each read key (payload and expiry) appended to the file of the shard it was read from.</summary>
internal sealed class ExportWriter(ClusterView source, IReadOnlyList<RdbFileWriter> files) : IBatchWriter
{
    public IReadOnlyList<ShardConnections> Connections => [];

    public Task WriteAsync(KeyBatch batch, int from, int to, bool retried, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = from; i < to; i++)
        {
            if (batch.State[i] != KeyState.Pending)
            {
                continue;
            }
            var expiry = batch.Expiry[i];
            if (batch.Gone(i, now))
            {
                batch.State[i] = KeyState.Vanished;
                continue;
            }
            if (batch.Dumps.Unread(i))
            {
                throw new CopyException($"the source gave no DUMP payload for key {KeyText.Printable(batch.Key(i))} (its server does not DUMP that type): it cannot be exported");
            }
            var file = files[files.Count == 1 ? 0 : source.Topology.ShardFor(batch.SourceSlot[i])];
            lock (file)
            {
                file.Add(batch.TargetKey(i), batch.Payload(i), expiry);
            }
            batch.State[i] = KeyState.Copied;
        }
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
