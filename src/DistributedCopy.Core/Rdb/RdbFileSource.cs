namespace DistributedCopy.Core.Rdb;

/// <summary>
/// One database of an RDB file as a key source: each key with its payload and expiry straight into the batches (no read
/// from a server), keys already expired left out, keys of other databases counted and passed over. A batch closes at
/// <c>maxBatchBytes</c> of payloads, so a file of big values holds a few batches' worth in memory, not a thousand values each.
/// Reading starts at a saved <see cref="RdbPosition"/>; a position is committed once every key before it is written.
/// </summary>
internal sealed class RdbFileSource(string path, int database, RdbFileStats stats, long maxBatchBytes, string position, Action<string>? committed,
    CheckpointLedger? ledger = null) : IKeySource
{
    // positions are taken at batch boundaries: each covers whole batches
    private readonly CursorTracker _positions = new(committed, ledger);
    // the position after the last entry read (offset -1: none yet), made text only when a batch boundary commits it
    private (long Offset, int Database) _last = (-1, 0);

    public async Task ListAsync(BatchBuilder output, CancellationToken cancellationToken)
    {
        await Task.Yield();
        output.MaxPayloadBytes = maxBatchBytes;
        var (offset, selected) = RdbPosition.Parse(position);
        using var reader = new RdbFileReader(File.OpenRead(path));
        reader.ReadHeader();
        stats.Version = reader.Version;
        if (offset > 0)
        {
            reader.Seek(offset);
        }
        try
        {
            await ListEntriesAsync(reader, selected, output, cancellationToken).ConfigureAwait(false);
        }
        catch (RdbFileException ex)
        {
            // damage mid-file: the keys before it are written (the pipelines drain what was listed) and their position
            // committed; the load then fails with the damage's offset (LoadAsync throws Damage)
            Damage = ex;
        }
        stats.Notes.AddRange(reader.Notes);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_last.Offset >= 0)
        {
            _positions.Reached(RdbPosition.Format(_last.Offset, _last.Database), output.LastSequence);
        }
    }

    /// <summary>Where the file turned out damaged (a key whose bytes are not RDB), after every key before it; null if none.</summary>
    public RdbFileException? Damage { get; private set; }

    public void Completed(KeyBatch batch) => _positions.BatchDone(batch);

    private async Task ListEntriesAsync(RdbFileReader reader, int selected, BatchBuilder output, CancellationToken cancellationToken)
    {
        // a position per batch: the one after the last key listed before a new batch began, once every batch up to it is written
        var lastSequence = -1L;
        foreach (var entry in reader.Entries(selected))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (entry.Database != database)
            {
                stats.AddOther(entry.Database);
            }
            else if (entry.Expiry >= 0 && entry.Expiry <= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())
            {
                stats.AddExpired();
            }
            else
            {
                stats.AddKey(entry.Type, entry.Payload.Length);
                output.AddKey(entry.Key, DataType.NameOf(entry.Type), entry.Payload.Span, entry.Expiry);
                if (output.LastSequence != lastSequence && _last.Offset >= 0)
                {
                    _positions.Reached(RdbPosition.Format(_last.Offset, _last.Database), lastSequence);
                }
                lastSequence = output.LastSequence;
                await output.DrainAsync(cancellationToken).ConfigureAwait(false);
            }
            _last = (entry.EndOffset, entry.Database);
        }
    }
}
