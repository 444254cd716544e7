namespace DistributedCopy.Core.Replication;

// ReplicationApplier, part 5: slots that move between two followed masters (SlotHandOver). A command for a slot this
// stream does not write yet is held until the partition that wrote it hands it over; the position stays before the first
// command held. A slot this stream gives away is handed over once the target holds the stream up to the giver's offset.
public sealed partial class ReplicationApplier
{
    /// <summary>Bytes of commands held at most while their slots wait for a hand-over.</summary>
    private const long HeldLimit = 256L * 1024 * 1024;

    private readonly Dictionary<int, (long From, List<byte[]> Commands)> _held = [];
    private List<(int Slot, string To)> _handing = [];
    private long _heldBytes;
    private long _heldCheckedAt;
    private int _heldSlots;

    /// <summary>Slots whose commands wait for their hand-over from the master that served them before.</summary>
    public int HeldSlots => Volatile.Read(ref _heldSlots);

    /// <summary>Since when (Environment.TickCount64) some slot has been held without a break; 0 when none is.</summary>
    public long HeldSince => Volatile.Read(ref _heldSince);

    private long _heldSince;

    /// <summary>The offset before the first command held (where a stopped stream must be taken up again), or null.</summary>
    private long? HeldFrom => _held.Count == 0 ? null : _held.Values.Min(h => h.From);

    /// <summary>Something waits on time rather than on the stream: a slot held, or a hand-over not yet written.</summary>
    private bool Waiting => _held.Count > 0 || _mirror?.HandOver?.AnyDue == true;

    private void Hold(int slot, long from, ReadOnlyMemory<byte> command)
    {
        if (!_held.TryGetValue(slot, out var held))
        {
            _held[slot] = held = (from, []);
            Volatile.Write(ref _heldSlots, _held.Count);
            if (_held.Count == 1)
            {
                Volatile.Write(ref _heldSince, Environment.TickCount64);
            }
        }
        held.Commands.Add(command.ToArray());
        _heldBytes += command.Length;
        if (_heldBytes > HeldLimit)
        {
            throw new CopyException($"{_held.Count:N0} slot(s) moved to {_link.Master.Address} (first: {_held.Keys.Min()}) still wait for the master that served them to hand them over ({_heldBytes / (1024 * 1024):N0} MB of their commands held): its partition is behind or stopped; the sync resumes from before the first command held");
        }
    }

    /// <summary>
    /// The next command of the stream; with slots to hand over or held, null after a short wait without one (so a hand-over
    /// is written, or a held slot released, while the source is quiet).
    /// </summary>
    private async ValueTask<ReadOnlyMemory<byte>?> NextAsync(CancellationToken cancellationToken)
    {
        if (_mirror?.HandOver is null)
        {
            return await _link.ReadCommandAsync(cancellationToken).ConfigureAwait(false);
        }
        if (_link.TryReadCommand(out var command))
        {
            return command;
        }
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(Waiting ? 100 : 1000);
        try
        {
            return await _link.ReadCommandAsync(idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// Reads the hand-over keys of the slots held (between pipelines, every 100 ms at most): a slot handed over to this
    /// stream is this stream's from now, its held commands written first, with the next pipeline.
    /// </summary>
    private async Task ReleaseAsync()
    {
        if (_held.Count == 0 || Environment.TickCount64 - _heldCheckedAt < 100)
        {
            return;
        }
        _heldCheckedAt = Environment.TickCount64;
        var handOver = _mirror!.HandOver!;
        var slots = _held.Keys.ToList();
        var owners = await handOver.ReadAsync(_target, slots).ConfigureAwait(false);
        for (var i = 0; i < slots.Count; i++)
        {
            var slot = slots[i];
            if (!handOver.IsMine(owners[i]))
            {
                continue;
            }
            var commands = _held[slot].Commands;
            _held.Remove(slot);
            _heldBytes -= commands.Sum(c => (long)c.Length);
            handOver.Adopt(slot);
            // every command of the slot since the hold began is here: they go first, with the slot's marker
            _slotGroups[slot] = commands;
            _grouped += commands.Count;
        }
        Volatile.Write(ref _heldSlots, _held.Count);
        if (_held.Count == 0)
        {
            Volatile.Write(ref _heldSince, 0);
        }
    }

    /// <summary>
    /// The source master flushed: the held slots' commands before it wrote keys it has deleted, so they go (the slots stay
    /// held: the giver's remaining commands come first, and end in the DELs of its MIGRATEs).
    /// </summary>
    private void DropHeld()
    {
        foreach (var (_, commands) in _held.Values)
        {
            commands.Clear();
        }
        _heldBytes = 0;
    }

    /// <summary>The hand-overs the target can take with this pipeline (it ends at <paramref name="end"/>); none while markers are off.</summary>
    private List<(int Slot, string To)> DueHandOvers(long end) =>
        _mirror?.HandOver is { } handOver && Marking ? handOver.DueBy(end) : [];

    /// <summary>The pipeline that wrote <see cref="_handing"/> was answered: those slots are no longer this stream's.</summary>
    private void Handed()
    {
        if (_handing.Count > 0)
        {
            _mirror!.HandOver!.Handed(_handing);
            _handing = [];
        }
    }

    private void WriteHandOver(int shard, int slot, string to)
    {
        _target.Writer(shard).Command("SET", _mirror!.HandOver!.Key(slot), to);
        _route.Add(shard);
    }
}
