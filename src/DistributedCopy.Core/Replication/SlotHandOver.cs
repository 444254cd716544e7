namespace DistributedCopy.Core.Replication;

/// <summary>
/// Which slots a partition's stream may write on the target, while the source reshards between two followed masters. A
/// slot that moves from master A to master B is in both streams: A's writes and the DELs of its MIGRATEs, then B's
/// RESTOREs and writes. Each partition applies its own stream, so B's RESTORE of a key can land before A's DEL of it —
/// and the key is lost. So a slot has one writer at a time: a partition applies a slot freely only when it is its own
/// (served by its master since the partition started, <see cref="IsFree"/>), or when the partition that served it last
/// has handed it over. The giver sees the slot gone from its master (its watch), reads the master's offset then
/// (every write of that slot comes before it), and once its target holds the stream up to there writes the slot's
/// hand-over key (<c>dcopy:replication:{tag}:&lt;job&gt;.handover</c>, in the slot's tag so it lands beside the slot's keys)
/// naming the new master's node. Until then the taker holds that slot's commands (its position stays before the first
/// one held, so a stop loses none); the key seen, it writes them, in order, and the slot is its own.
/// </summary>
public sealed class SlotHandOver
{
    private const string Prefix = "dcopy:replication:";

    private readonly bool[] _free = new bool[HashSlot.Count];
    private readonly HashSet<string> _nodes = [];
    private readonly Dictionary<int, (string To, long At)> _due = [];
    private readonly long[] _givenAt = new long[HashSlot.Count];
    private string _current = "";
    private readonly Lock _lock = new();

    /// <summary><see cref="_due"/>'s count, read without the lock on the applier's path (every command asks <see cref="DueBefore"/>).</summary>
    private int _dueCount;

    /// <param name="name">The sync's marker name ("job.partition"): hand-over keys are the job's, shared by its partitions.</param>
    public SlotHandOver(string name) => KeyName = KeyNameOf(name);

    /// <summary>The slots this partition's stream writes as it starts (applied without a hand-over).</summary>
    public void Own(IEnumerable<int> owned)
    {
        foreach (var slot in owned)
        {
            Volatile.Write(ref _free[slot], true);
        }
    }

    /// <summary>The key saying who may write <paramref name="slot"/> now (the node id of the master whose stream writes it).</summary>
    public string Key(int slot) => $"{Prefix}{{{HashSlot.Tag(slot)}}}:{KeyName}";

    /// <summary>What every hand-over key of the job ends with.</summary>
    public string KeyName { get; }

    /// <summary>The hand-over keys' name for the sync named <paramref name="name"/> ("job.partition"): the job's, shared by its partitions.</summary>
    public static string KeyNameOf(string name) =>
        (ReplicationMarkers.Clean(name) is var clean && clean.LastIndexOf('.') is var dot and > 0 ? clean[..dot] : clean) + ".handover";

    /// <summary>This partition's stream writes <paramref name="slot"/> as it comes.</summary>
    public bool IsFree(int slot) => Volatile.Read(ref _free[slot]);

    /// <summary>The master now followed (after a failover, the replica that took over): hand-overs naming it are this partition's.</summary>
    public void Follow(string nodeId)
    {
        lock (_lock)
        {
            _nodes.Add(nodeId);
            _current = nodeId;
        }
    }

    /// <summary>
    /// A hand-over key's value: the node id of the master whose stream writes the slot now, then the giver's node id and the
    /// giver's stream offset it was handed over at (every command of the slot in the giver's stream up to there is on the target).
    /// </summary>
    public static string Value(string to, string giver, long at) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{to} {giver} {at}");

    /// <summary>The node a hand-over key's value names as the slot's writer now.</summary>
    public static string? OwnerOf(string? value) => value is null ? null : value.IndexOf(' ', StringComparison.Ordinal) is var space and > 0 ? value[..space] : value;

    /// <summary>
    /// As the partition starts: a slot it handed over (the key's giver is its master, <paramref name="nodeId"/>). Its stream,
    /// replayed from a checkpoint taken before, may bring the slot's commands again up to the offset it was handed over at:
    /// those are on the target already (<see cref="GivenBefore"/>), not commands to hold for a hand-over back.
    /// </summary>
    public void Given(int slot, string value, string nodeId)
    {
        var parts = value.Split(' ');
        if (parts.Length == 3 && parts[1] == nodeId && long.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var at))
        {
            Volatile.Write(ref _givenAt[slot], at);
        }
    }

    /// <summary>A command of <paramref name="slot"/> ending at <paramref name="end"/> came before this partition handed the slot over.</summary>
    public bool GivenBefore(int slot, long end) => end <= Volatile.Read(ref _givenAt[slot]);

    /// <summary>A hand-over key's value names a master this partition follows (or followed, before a failover).</summary>
    public bool IsMine(string? value)
    {
        lock (_lock)
        {
            return OwnerOf(value) is { } owner && _nodes.Contains(owner);
        }
    }

    /// <summary>A slot handed over to this partition: its stream writes it from now.</summary>
    public void Adopt(int slot) => Volatile.Write(ref _free[slot], true);

    /// <summary>Hand-over keys a passed cutover removed (slots this partition's master serves), with their values, to write again if the sync goes on.</summary>
    public List<(int Slot, string To)> Cleared { get; set; } = [];

    /// <summary>Slots this partition writes that its master no longer serves and that are not handed over or due yet.</summary>
    public List<int> Departed(IReadOnlyList<SlotRange> served)
    {
        var serving = SlotRange.Mask(served);
        lock (_lock)
        {
            return [.. Enumerable.Range(0, HashSlot.Count).Where(s => IsFree(s) && !serving[s] && !_due.ContainsKey(s))];
        }
    }

    /// <summary><paramref name="slot"/> goes to node <paramref name="to"/> once the target holds this stream up to <paramref name="at"/>.</summary>
    public void Schedule(int slot, string to, long at)
    {
        lock (_lock)
        {
            _due[slot] = (Value(to, _current, at), at);
            Volatile.Write(ref _dueCount, _due.Count);
        }
    }

    /// <summary>Hand-overs the target can take once it holds the stream up to <paramref name="offset"/>.</summary>
    public List<(int Slot, string To)> DueBy(long offset)
    {
        lock (_lock)
        {
            return _due.Count == 0 ? [] : [.. _due.Where(d => d.Value.At <= offset).Select(d => (d.Key, d.Value.To))];
        }
    }

    /// <summary>
    /// <paramref name="slot"/> is due to be handed over at or before <paramref name="start"/>: a command of it from there
    /// came after it left this master (it moved back since) and waits, like any slot not this stream's.
    /// </summary>
    public bool DueBefore(int slot, long start)
    {
        if (Volatile.Read(ref _dueCount) == 0)
        {
            return false;
        }
        lock (_lock)
        {
            return _due.TryGetValue(slot, out var due) && due.At <= start;
        }
    }

    /// <summary>Every slot this stream writes, due to be handed over or not (a master that left hands all of them over).</summary>
    public List<int> Writing() => [.. Enumerable.Range(0, HashSlot.Count).Where(IsFree)];

    /// <summary>What the hand-over keys of <paramref name="slots"/> say (null: no key), read in one pipeline per target master.</summary>
    internal async Task<string?[]> ReadAsync(ShardConnections target, IReadOnlyList<int> slots)
    {
        var route = new int[slots.Count];
        for (var i = 0; i < slots.Count; i++)
        {
            route[i] = target.Topology.ShardOrThrow(slots[i], "target");
            target.Writer(route[i]).Command("GET", Key(slots[i]));
        }
        var values = new string?[slots.Count];
        var error = await target.SendAndReadEachAsync(route, 0, route.Length, _ => true, (i, reply) => values[i] = RespFrame.IsNull(reply) ? null : RespFrame.String(reply), CancellationToken.None)
            .ConfigureAwait(false);
        return error is null ? values : throw new RedisErrorException(error);
    }

    /// <summary>Some hand-over waits for the stream to reach its offset.</summary>
    public bool AnyDue => Volatile.Read(ref _dueCount) > 0;

    /// <summary>The target took these hand-overs: the slots are no longer this partition's to write.</summary>
    public void Handed(IEnumerable<(int Slot, string To)> handed)
    {
        lock (_lock)
        {
            foreach (var (slot, _) in handed)
            {
                _due.Remove(slot);
                Volatile.Write(ref _free[slot], false);
            }
            Volatile.Write(ref _dueCount, _due.Count);
        }
    }
}
