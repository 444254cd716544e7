using System.Threading.Channels;

namespace DistributedCopy.Core.Sources;

/// <summary>
/// Packs listed keys into batches and hands them to a source's channel. Keys are copied out of a reply that lives in the
/// connection's buffer, so full batches wait in a list until <see cref="DrainAsync"/>, which may wait for the pipelines.
/// Batches are numbered in order, so a source that checkpoints by position knows which batches a position needs.
/// </summary>
internal sealed class BatchBuilder(BatchPool pool, ChannelWriter<KeyBatch> output)
{
    private readonly List<KeyBatch> _ready = [];
    private KeyBatch? _current;
    private long _sequence;
    private int _epoch;

    /// <summary>Keep each batch's distinct slots (sources whose checkpoints are slots).</summary>
    public bool TrackSlots { get; set; }

    /// <summary>The filters and renames listed keys go through (null: every key as it is named).</summary>
    public KeySelection? Selection { get; set; }

    /// <summary>Where keys left out by the filters are counted.</summary>
    public CopyProgress? Progress { get; set; }

    /// <summary>Keys added with their payloads (<see cref="AddKey"/>) close a batch once it holds this many payload bytes.</summary>
    public long MaxPayloadBytes { get; set; } = long.MaxValue;

    /// <summary>Target names already given by a rename, to find two keys renamed to one.</summary>
    public RenameLedger? Renamed { get; set; }

    /// <summary>The number of the last batch that holds a key listed so far (-1 before any).</summary>
    public long LastSequence => _current is { Count: > 0 } ? _sequence : _sequence - 1;

    /// <summary>
    /// A checkpoint position is reached: every key listed so far is before it. Returns the batch holding the last of them,
    /// and whether that batch is still open (it will hold keys after the position too).
    /// </summary>
    public (long Sequence, bool Partial) MarkPosition()
    {
        if (_current is { Count: > 0 } open)
        {
            open.Covered = open.Count;
            return (_sequence, true);
        }
        return (_sequence - 1, false);
    }

    /// <summary>
    /// Adds the keys of an array reply; <paramref name="slot"/> is theirs when known (-1: each key's own), keys of slots
    /// outside <paramref name="filter"/> (when given) are passed over, and each batch that takes a slot's first key is
    /// counted by <paramref name="tracker"/>.
    /// </summary>
    public void AddKeys(ReadOnlySpan<byte> arrayFrame, int slot, HashSet<int>? filter, SlotTracker? tracker)
    {
        var keys = RespFrame.Array(arrayFrame);
        while (keys.MoveNext(out var keyFrame))
        {
            RespFrame.TryBulk(keyFrame, out var key);
            var keySlot = slot >= 0 ? slot : HashSlot.Of(key);
            if (filter is not null && !filter.Contains(keySlot))
            {
                continue;
            }
            if (Take(key, keySlot, tracker, null) is { IsFull: true })
            {
                Seal();
            }
        }
    }

    /// <summary>
    /// Adds one key whose payload and expiry come with it (a file: nothing is read from a server); <paramref name="type"/>
    /// (as TYPE names it) for the type filter.
    /// </summary>
    public void AddKey(ReadOnlySpan<byte> key, string type, ReadOnlySpan<byte> payload, long expiry)
    {
        if (Take(key, HashSlot.Of(key), null, type) is not { } batch)
        {
            return;
        }
        var i = batch.Count - 1;
        batch.Dumps.Unset(i);
        batch.Dumps.Set(i, payload);
        batch.Expiry[i] = expiry;
        // a file of big values: batches are bounded by bytes as well as by keys
        if (batch.IsFull || batch.Dumps.PayloadBytes >= MaxPayloadBytes)
        {
            Seal();
        }
    }

    /// <summary>Adds the key to the current batch, named as the renames say; null when the filters leave it out.</summary>
    private KeyBatch? Take(ReadOnlySpan<byte> key, int slot, SlotTracker? tracker, string? type)
    {
        if ((Selection is { Filters: true } && !Selection.Selects(key)) || (type is not null && Selection is { Types.Count: > 0 } && !Selection.Types.Contains(type)))
        {
            // left out before anything is read
            Progress?.AddExcluded(1);
            return null;
        }
        var current = _current ??= pool.Rent(TrackSlots);
        var slotsBefore = current.Slots.Count;
        current.Add(key, slot);
        if (Selection is { Renames.Count: > 0 } && Selection.Rename(key) is { } name)
        {
            Renamed?.Claim(key, name);
            current.Rename(current.Count - 1, name, HashSlot.Of(name));
        }
        if (current.Slots.Count != slotsBefore)
        {
            tracker?.AddBatch(slot);
        }
        return current;
    }

    /// <summary>Hands the full batches to the channel.</summary>
    public async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        foreach (var batch in _ready)
        {
            await output.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        _ready.Clear();
    }

    /// <summary>
    /// The source lists keys again that it listed before (<see cref="KeyBatch.Epoch"/>): the open batch is closed, and every
    /// batch from here is of the returned listing.
    /// </summary>
    public async ValueTask<int> ListAgainAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        return ++_epoch;
    }

    /// <summary>Hands every batch, the last partial one too, to the channel.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        if (_current is { Count: > 0 })
        {
            Seal();
        }
        await DrainAsync(cancellationToken).ConfigureAwait(false);
    }

    private void Seal()
    {
        var batch = _current!;
        batch.Sequence = _sequence++;
        batch.Epoch = _epoch;
        _ready.Add(batch);
        _current = null;
    }
}
