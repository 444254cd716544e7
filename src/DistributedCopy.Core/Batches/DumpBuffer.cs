namespace DistributedCopy.Core.Batches;

/// <summary>DUMP payloads and expiry times of a batch's keys, read from one side, in one reused buffer.</summary>
internal sealed class DumpBuffer
{
    // grows to what a batch's payloads take (about 40 KB for 1,000 small keys); small to start, as a copy of many shards holds many batches
    private readonly byte[] _initial = new byte[16 * 1024];
    private byte[] _payloads;
    private int _payloadBytes;

    public DumpBuffer(int capacity)
    {
        _payloads = _initial;
        PayloadStart = new int[capacity];
        PayloadLength = new int[capacity];
        Expiry = new long[capacity];
        Big = new bool[capacity];
    }

    public int[] PayloadStart { get; }

    public int[] PayloadLength { get; }

    /// <summary>
    /// When each key expires, absolute (Unix milliseconds), so no wait between read and write can stretch a TTL;
    /// or <see cref="KeyBatch.NoTtl"/>, or <see cref="KeyBatch.Vanished"/>.
    /// </summary>
    public long[] Expiry { get; }

    /// <summary>The key is bigger than the big-key size: it was not DUMPed, and is copied in chunks.</summary>
    public bool[] Big { get; }

    /// <summary>The key exists (or did when read) but has no payload: too big to DUMP, or a DUMP the server would not give.</summary>
    public bool Unread(int i) => PayloadLength[i] == 0 && Expiry[i] != KeyBatch.Vanished;

    public ReadOnlySpan<byte> Payload(int i) => _payloads.AsSpan(PayloadStart[i], PayloadLength[i]);

    /// <summary>The payload as memory, valid until the next <see cref="Clear"/> or <see cref="Set"/>.</summary>
    public ReadOnlyMemory<byte> PayloadMemory(int i) => _payloads.AsMemory(PayloadStart[i], PayloadLength[i]);

    /// <summary>Forgets key <paramref name="i"/>'s payload (the key is about to be read again).</summary>
    public void Unset(int i)
    {
        PayloadLength[i] = 0;
        Big[i] = false;
    }

    public void Set(int i, ReadOnlySpan<byte> payload)
    {
        if (_payloadBytes + payload.Length > _payloads.Length)
        {
            LargeBuffers.Grow(ref _payloads, _payloadBytes, _payloadBytes + payload.Length);
        }
        payload.CopyTo(_payloads.AsSpan(_payloadBytes));
        PayloadStart[i] = _payloadBytes;
        PayloadLength[i] = payload.Length;
        _payloadBytes += payload.Length;
    }

    /// <summary>Payload bytes read since the last <see cref="Clear"/>.</summary>
    public int PayloadBytes => _payloadBytes;

    public void Clear(bool shrink = false)
    {
        _payloadBytes = 0;
        // A buffer that once held a huge key gives its memory back instead of keeping it for the rest of the copy.
        if (shrink)
        {
            LargeBuffers.Shrink(ref _payloads, _initial);
        }
    }
}
