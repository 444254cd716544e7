using DistributedCopy.Core.Resp;

namespace DistributedCopy.Core;

/// <summary>
/// Up to one batch of keys with what was read for them, in flat reused buffers: no per-key objects on the copy path.
/// A batch belongs to one pipeline at a time and returns to the pool when done.
/// </summary>
internal sealed class KeyBatch
{
    public const long NoTtl = -1;
    public const long Vanished = -2;

    private byte[] _keys = new byte[32 * 1024];
    private int _keyBytes;

    public KeyBatch(int capacity)
    {
        Capacity = capacity;
        KeyStart = new int[capacity];
        KeyLength = new int[capacity];
        Slot = new int[capacity];
        Dumps = new DumpBuffer(capacity);
        State = new KeyState[capacity];
    }

    public int Capacity { get; }

    public int Count { get; private set; }

    public int[] KeyStart { get; }

    public int[] KeyLength { get; }

    public int[] Slot { get; }

    /// <summary>DUMP payloads and PTTLs as read from the source.</summary>
    public DumpBuffer Dumps { get; }

    public int[] PayloadLength => Dumps.PayloadLength;

    public long[] Expiry => Dumps.Expiry;

    public KeyState[] State { get; }

    /// <summary>Distinct slots of the keys, in order of first appearance.</summary>
    public List<int> Slots { get; } = [];

    /// <summary>Order in which the enumerator produced the batch (standalone sources checkpoint by it).</summary>
    public long Sequence { get; set; }

    /// <summary>Which source connection set the keys come from: a shard index, or a database for standalone sources.</summary>
    public int Source { get; set; }

    public bool IsFull => Count == Capacity;

    /// <summary>Keep <see cref="Slots"/> (cluster sources, whose keys arrive slot by slot).</summary>
    public bool TrackSlots { get; set; }

    public void Add(ReadOnlySpan<byte> key, int slot)
    {
        if (_keyBytes + key.Length > _keys.Length)
        {
            Array.Resize(ref _keys, Math.Max(_keys.Length * 2, _keyBytes + key.Length));
        }
        key.CopyTo(_keys.AsSpan(_keyBytes));
        KeyStart[Count] = _keyBytes;
        KeyLength[Count] = key.Length;
        Slot[Count] = slot;
        State[Count] = KeyState.Pending;
        _keyBytes += key.Length;
        if (TrackSlots && (Slots.Count == 0 || Slots[^1] != slot))
        {
            if (!Slots.Contains(slot))
            {
                Slots.Add(slot);
            }
        }
        Count++;
    }

    public ReadOnlySpan<byte> Key(int i) => _keys.AsSpan(KeyStart[i], KeyLength[i]);

    public ReadOnlySpan<byte> Payload(int i) => Dumps.Payload(i);

    public void Reset()
    {
        Count = 0;
        _keyBytes = 0;
        Slots.Clear();
        Sequence = 0;
        Source = 0;
        Dumps.Clear(shrink: true);
    }
}

/// <summary>DUMP payloads and expiry times of a batch's keys, read from one side, in one reused buffer.</summary>
internal sealed class DumpBuffer
{
    private readonly byte[] _initial = new byte[128 * 1024];
    private byte[] _payloads;
    private int _payloadBytes;

    public DumpBuffer(int capacity)
    {
        _payloads = _initial;
        PayloadStart = new int[capacity];
        PayloadLength = new int[capacity];
        Expiry = new long[capacity];
    }

    public int[] PayloadStart { get; }

    public int[] PayloadLength { get; }

    /// <summary>
    /// When each key expires, absolute (Unix milliseconds), so no wait between read and write can stretch a TTL;
    /// or <see cref="KeyBatch.NoTtl"/>, or <see cref="KeyBatch.Vanished"/>.
    /// </summary>
    public long[] Expiry { get; }

    public ReadOnlySpan<byte> Payload(int i) => _payloads.AsSpan(PayloadStart[i], PayloadLength[i]);

    /// <summary>The payload as memory, valid until the next <see cref="Clear"/> or <see cref="Set"/>.</summary>
    public ReadOnlyMemory<byte> PayloadMemory(int i) => _payloads.AsMemory(PayloadStart[i], PayloadLength[i]);

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

internal enum KeyState : byte
{
    Pending,
    Copied,
    Skipped,
    Vanished,
}
