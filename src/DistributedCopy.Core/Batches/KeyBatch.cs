namespace DistributedCopy.Core.Batches;

/// <summary>
/// Up to one batch of keys with what was read for them, in flat reused buffers: no per-key objects on the copy path.
/// A batch belongs to one pipeline at a time and returns to the pool when done.
/// </summary>
internal sealed class KeyBatch
{
    public const long NoTtl = -1;
    public const long Vanished = -2;

    private byte[] _keys = new byte[8 * 1024];
    private int _keyBytes;

    public KeyBatch(int capacity)
    {
        Capacity = capacity;
        KeyStart = new int[capacity];
        KeyLength = new int[capacity];
        SourceSlot = new int[capacity];
        TargetSlot = new int[capacity];
        TargetStart = new int[capacity];
        TargetLength = new int[capacity];
        Dumps = new DumpBuffer(capacity);
        State = new KeyState[capacity];
    }

    public int Capacity { get; }

    public int Count { get; private set; }

    public int[] KeyStart { get; }

    public int[] KeyLength { get; }

    /// <summary>Each key's slot where it is read.</summary>
    public int[] SourceSlot { get; }

    /// <summary>Each key's slot where it is written: the source's, unless a step between reading and writing renamed the key.</summary>
    public int[] TargetSlot { get; }

    /// <summary>Where each key's target name is (the source name itself unless renamed).</summary>
    private int[] TargetStart { get; }

    private int[] TargetLength { get; }

    /// <summary>DUMP payloads and PTTLs as read from the source.</summary>
    public DumpBuffer Dumps { get; }

    public int[] PayloadLength => Dumps.PayloadLength;

    public long[] Expiry => Dumps.Expiry;

    public KeyState[] State { get; }

    /// <summary>Distinct source slots of the keys, in order of first appearance.</summary>
    public List<int> Slots { get; } = [];

    /// <summary>Order in which the enumerator produced the batch (standalone sources checkpoint by it).</summary>
    public long Sequence { get; set; }

    /// <summary>
    /// The listing the keys came from: a source that lists keys again (a SCAN started over, slots listed once more after a
    /// failure) starts a new one, and the keys of batches of an earlier listing are written again, not counted as new.
    /// </summary>
    public int Epoch { get; set; }

    public bool IsFull => Count == Capacity;

    /// <summary>
    /// Keys listed before the last checkpoint position reached while the batch was open (a SCAN cursor returned before
    /// the batch was full): those keys are before the position, the rest after it; -1: none was reached while it was open.
    /// </summary>
    public int Covered { get; set; } = -1;

    /// <summary>Keep <see cref="Slots"/> (cluster sources, whose keys arrive slot by slot).</summary>
    public bool TrackSlots { get; set; }

    public void Add(ReadOnlySpan<byte> key, int slot)
    {
        var start = Append(key);
        KeyStart[Count] = start;
        KeyLength[Count] = key.Length;
        SourceSlot[Count] = slot;
        TargetSlot[Count] = slot;
        TargetStart[Count] = start;
        TargetLength[Count] = key.Length;
        State[Count] = KeyState.Pending;
        if (TrackSlots && (Slots.Count == 0 || Slots[^1] != slot))
        {
            if (!Slots.Contains(slot))
            {
                Slots.Add(slot);
            }
        }
        Count++;
    }

    /// <summary>Gone before it was read, or expired by <paramref name="now"/> (Unix ms): nothing to write.</summary>
    public bool Gone(int i, long now) => Expiry[i] == Vanished || (Expiry[i] >= 0 && Expiry[i] <= now);

    /// <summary>The key's name on the source.</summary>
    public ReadOnlySpan<byte> Key(int i) => _keys.AsSpan(KeyStart[i], KeyLength[i]);

    /// <summary>The key's name on the target (<see cref="Key"/> unless renamed).</summary>
    public ReadOnlySpan<byte> TargetKey(int i) => _keys.AsSpan(TargetStart[i], TargetLength[i]);

    /// <summary>Names key <paramref name="i"/> <paramref name="name"/> on the target, in <paramref name="slot"/>.</summary>
    public void Rename(int i, ReadOnlySpan<byte> name, int slot)
    {
        TargetStart[i] = Append(name);
        TargetLength[i] = name.Length;
        TargetSlot[i] = slot;
    }

    /// <summary>Copies a name into the key buffer (grown as needed); returns where it starts.</summary>
    private int Append(ReadOnlySpan<byte> name)
    {
        if (_keyBytes + name.Length > _keys.Length)
        {
            Array.Resize(ref _keys, Math.Max(_keys.Length * 2, _keyBytes + name.Length));
        }
        name.CopyTo(_keys.AsSpan(_keyBytes));
        _keyBytes += name.Length;
        return _keyBytes - name.Length;
    }

    public ReadOnlySpan<byte> Payload(int i) => Dumps.Payload(i);

    public void Reset()
    {
        Count = 0;
        _keyBytes = 0;
        Slots.Clear();
        Sequence = 0;
        Epoch = 0;
        Covered = -1;
        Dumps.Clear(shrink: true);
    }
}
