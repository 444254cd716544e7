namespace DistributedCopy.Core.Files;

/// <summary>
/// One database of an RDB file as a key source: each key with its payload and expiry straight into the batches (no read
/// from a server), keys already expired left out, keys of other databases counted and passed over. A batch closes at
/// <c>maxBatchBytes</c> of payloads, so a file of big values holds a few batches' worth in memory, not a thousand values each.
/// </summary>
internal sealed class RdbFileSource(string path, int database, RdbFileStats stats, long maxBatchBytes) : IKeySource
{
    public async Task ListAsync(BatchBuilder output, CancellationToken cancellationToken)
    {
        await Task.Yield();
        output.MaxPayloadBytes = maxBatchBytes;
        using var reader = new RdbFileReader(File.OpenRead(path));
        reader.ReadHeader();
        stats.Version = reader.Version;
        foreach (var entry in reader.Entries())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (entry.Database != database)
            {
                stats.AddOther(entry.Database);
                continue;
            }
            if (entry.Expiry >= 0 && entry.Expiry <= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())
            {
                stats.AddExpired();
                continue;
            }
            stats.AddKey(entry.Type, entry.Payload.Length);
            output.AddKey(entry.Key, Rdb.RdbTypes.OfType(entry.Type), entry.Payload.Span, entry.Expiry);
            await output.DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        stats.Notes.AddRange(reader.Notes);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Completed(KeyBatch batch)
    {
    }
}
