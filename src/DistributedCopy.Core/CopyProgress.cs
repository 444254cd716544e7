namespace DistributedCopy.Core;

/// <summary>Live counters of a copy, safe to read while it runs.</summary>
public sealed class CopyProgress
{
    private long _keysCopied;
    private long _bytesCopied;
    private long _keysSkipped;
    private long _keysVanished;
    private long _slotsCompleted;
    private long _errors;
    private long _keysTyped;
    private long _keysChunked;
    private long _keysExcluded;
    private string? _lastError;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _notes = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _lastErrors = new(StringComparer.Ordinal);

    public long KeysCopied => Interlocked.Read(ref _keysCopied);

    /// <summary>Bytes written to the target: DUMP payloads, and the values of big keys copied in chunks.</summary>
    public long BytesCopied => Interlocked.Read(ref _bytesCopied);

    /// <summary>Keys left alone because the target had them (skip-existing, or re-copied after a resume).</summary>
    public long KeysSkipped => Interlocked.Read(ref _keysSkipped);

    /// <summary>Keys enumerated that were gone (deleted or expired) by the time they were read or written.</summary>
    public long KeysVanished => Interlocked.Read(ref _keysVanished);

    public long SlotsCompleted => Interlocked.Read(ref _slotsCompleted);

    /// <summary>Of the keys copied, those written by type (the target would not RESTORE their payload, or --mode typed).</summary>
    public long KeysTyped => Interlocked.Read(ref _keysTyped);

    internal void AddTyped(long keys) => Interlocked.Add(ref _keysTyped, keys);

    /// <summary>Of the keys copied, the big ones copied in chunks under a temporary name (counted in <see cref="KeysTyped"/> too).</summary>
    public long KeysChunked => Interlocked.Read(ref _keysChunked);

    internal void AddChunked(long keys, long bytes)
    {
        Interlocked.Add(ref _keysChunked, keys);
        Interlocked.Add(ref _keysTyped, keys);
        // their value bytes count as copied when the key is in place (the key itself with its batch)
        Interlocked.Add(ref _bytesCopied, bytes);
        if (CountsCopies)
        {
            Instruments.BytesCopied.Add(bytes);
        }
    }

    /// <summary>Keys listed and left out by the filters (--match, --exclude): never read.</summary>
    public long KeysExcluded => Interlocked.Read(ref _keysExcluded);

    internal void AddExcluded(long keys) => Interlocked.Add(ref _keysExcluded, keys);

    /// <summary>Errors met, retried or not.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    internal void AddBatch(long copied, long bytes, long skipped, long vanished)
    {
        Interlocked.Add(ref _keysCopied, copied);
        Interlocked.Add(ref _bytesCopied, bytes);
        Interlocked.Add(ref _keysSkipped, skipped);
        Interlocked.Add(ref _keysVanished, vanished);
        if (CountsCopies)
        {
            Instruments.KeysCopied.Add(copied);
            Instruments.BytesCopied.Add(bytes);
            Instruments.KeysSkipped.Add(skipped);
            Instruments.KeysVanished.Add(vanished);
        }
    }

    internal void AddSlotCompleted()
    {
        Interlocked.Increment(ref _slotsCompleted);
        if (CountsCopies)
        {
            Instruments.SlotsCompleted.Add(1);
        }
    }

    /// <summary>The text of the last error met (retried or not), so a count of errors always comes with why.</summary>
    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>Things the operator should know that are not errors (a scan restarted from the start, say); taken by <see cref="TakeNotes"/>.</summary>
    public IReadOnlyList<string> TakeNotes()
    {
        var notes = new List<string>();
        while (_notes.TryDequeue(out var note))
        {
            notes.Add(note);
        }
        return notes;
    }

    internal void AddNote(string note) => _notes.Enqueue(note);

    /// <summary>
    /// The last error of each kind met (connection, network, topology, a server's error code such as OOM or LOADING, …),
    /// each with its text (which names the node where it knows it), so a count of errors of mixed kinds keeps every why.
    /// </summary>
    public IReadOnlyDictionary<string, string> LastErrors => new Dictionary<string, string>(_lastErrors, StringComparer.Ordinal);

    internal void AddError(Exception error)
    {
        Interlocked.Increment(ref _errors);
        Volatile.Write(ref _lastError, error.Message);
        _lastErrors[KindOf(error)] = error.Message;
        Instruments.Errors.Add(1);
    }

    private static string KindOf(Exception error) => error switch
    {
        RedisErrorException server => server.Code,
        RedisConnectException => "connection",
        IOException or System.Net.Sockets.SocketException => "network",
        TopologyChangedException => "topology",
        RetriesExhaustedException => "retries",
        RespException => "protocol",
        CopyException => "copy",
        _ => error.GetType().Name,
    };

    private long _sourceLatencyMicros = -1;
    private int _heldAtKeysPerSecond;

    /// <summary>
    /// With an adaptive rate (<see cref="CopyOptions.MaxSourceLatency"/>): the worst PING round trip to the source over the
    /// last half second, in milliseconds; null without one, or before the first probe.
    /// </summary>
    public double? SourceLatencyMs => Interlocked.Read(ref _sourceLatencyMicros) is var micros and >= 0 ? micros / 1000.0 : null;

    /// <summary>The keys per second the adaptive rate holds the copy at; 0 while it does not hold it back.</summary>
    public int HeldAtKeysPerSecond => Volatile.Read(ref _heldAtKeysPerSecond);

    internal void SetSourceGuard(double latencyMs, int heldAt)
    {
        Interlocked.Exchange(ref _sourceLatencyMicros, (long)(latencyMs * 1000));
        Volatile.Write(ref _heldAtKeysPerSecond, heldAt);
    }

    /// <summary>False for a verify, whose progress is keys compared, not copied.</summary>
    internal bool CountsCopies { get; set; } = true;

    public override string ToString() =>
        $"copied={KeysCopied} bytes={BytesCopied} skipped={KeysSkipped} vanished={KeysVanished} slots={SlotsCompleted} typed={KeysTyped} chunked={KeysChunked} excluded={KeysExcluded} errors={Errors}";
}
