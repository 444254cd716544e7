using DistributedCopy.Abstractions;

namespace DistributedCopy.Grains;

/// <summary>A job's persisted state: spec, plan, per-slot done bits and per-database cursors of the current phase, counters.</summary>
[GenerateSerializer, Alias("dcopy.CoordinatorState")]
public sealed class CoordinatorState
{
    [Id(0)] public JobSpec? Spec { get; set; }

    [Id(1)] public JobPhase Phase { get; set; }

    /// <summary>Copy or verify: what the copying/verifying phase (and a resume after a pause) does.</summary>
    [Id(2)] public JobKind ActiveKind { get; set; }

    [Id(3)] public List<Partition> Partitions { get; set; } = [];

    /// <summary>16384 bits: a slot whose keys are all written (or compared) in the active phase.</summary>
    [Id(4)] public byte[] DoneSlots { get; set; } = new byte[2048];

    [Id(5)] public HashSet<int> DonePartitions { get; set; } = [];

    /// <summary>Standalone sources: the SCAN cursor from which each database partition resumes.</summary>
    [Id(6)] public Dictionary<int, string> Cursors { get; set; } = [];

    [Id(7)] public Counters Copied { get; set; } = new Counters();

    [Id(8)] public VerifyReport Verify { get; set; } = new VerifyReport();

    [Id(9)] public string? Message { get; set; }

    [Id(10)] public Dictionary<string, long> KeysBySilo { get; set; } = [];

    [Id(11)] public long LeasesGranted { get; set; }

    [Id(12)] public long LeasesExpired { get; set; }

    [Id(13)] public long KeysPlanned { get; set; }

    /// <summary>Partitions that were leased before (and so may be copied again in part after a crash).</summary>
    [Id(14)] public HashSet<int> LeasedBefore { get; set; } = [];

    /// <summary>W3C traceparent of the job's span.</summary>
    [Id(15)] public string? TraceParent { get; set; }

    [Id(16)] public string? LastError { get; set; }

    /// <summary>Notes from workers (a scan restarted, say), shown with the status; the most recent few are kept.</summary>
    [Id(17)] public List<string> Notes { get; set; } = [];

    /// <summary>
    /// The lease count when the current phase began: a report carrying a token at or below it belongs to a lease of an
    /// earlier phase (or of the time before a pause) and is refused, so it cannot mark anything of this phase done.
    /// </summary>
    [Id(18)] public long PhaseFirstToken { get; set; }

    /// <summary>A live sync: its counters summed over every partition and lease.</summary>
    [Id(19)] public SyncProgress SyncTotals { get; set; } = new SyncProgress();

    /// <summary>A live sync's cutover under way (or done).</summary>
    [Id(20)] public CutoverOrder? Cutover { get; set; }

    /// <summary>What each partition's cutover found.</summary>
    [Id(21)] public Dictionary<int, CutoverSummary> CutoverParts { get; set; } = [];

    /// <summary>What the cutover found over all partitions, once it ended.</summary>
    [Id(22)] public CutoverSummary? CutoverResult { get; set; }

    /// <summary>
    /// A live sync's leases (partition to worker and token), so a coordinator activated again (its silo died) knows who
    /// holds what: surviving workers keep their partitions, and only the dead ones' leases expire and move (each move costs
    /// a reconcile of the partition's slots).
    /// </summary>
    [Id(23)] public Dictionary<int, HeldLease> Leases { get; set; } = [];

    /// <summary>Cutovers ordered so far (each order carries its number; partitions' reports answer one).</summary>
    [Id(24)] public int CutoverAttempts { get; set; }

    /// <summary>Each target master's evicted_keys (by address) when the job or its last resume began.</summary>
    [Id(25)] public Dictionary<string, long> EvictedAtStart { get; set; } = [];

    /// <summary>
    /// Keys copied, skipped and vanished per partition: a shard's progress in keys, where it has no slots (a verify phase
    /// reports its counts at each partition's end); a lease whose SCAN starts over from the start writes them all again.
    /// </summary>
    [Id(28)] public Dictionary<int, Counters> PartitionWritten { get; set; } = [];

    /// <summary>Keys copied per partition, as jobs saved before <see cref="PartitionWritten"/> counted them (read where that has no entry).</summary>
    [Id(26)] public Dictionary<int, long> PartitionKeys { get; set; } = [];

    /// <summary>
    /// Per partition, what its current lease reported written beyond its checkpoint: taken out of <see cref="Copied"/> (into
    /// its re-copied keys) when the partition is leased again, since the next lease writes and counts those keys once more.
    /// </summary>
    [Id(27)] public Dictionary<int, Counters> Unsettled { get; set; } = [];

    public bool IsSlotDone(int slot) => (DoneSlots[slot >> 3] & (1 << (slot & 7))) != 0;

    public void MarkSlotDone(int slot) => DoneSlots[slot >> 3] |= (byte)(1 << (slot & 7));

    public int SlotsDone => DoneSlots.Sum(b => System.Numerics.BitOperations.PopCount(b));

    /// <summary>Clears the progress of a phase, to start the next one (verify after copy) over the same plan.</summary>
    public void ResetProgress()
    {
        DoneSlots = new byte[2048];
        DonePartitions.Clear();
        Cursors.Clear();
        PartitionWritten.Clear();
        PartitionKeys.Clear();
        LeasedBefore.Clear();
        Unsettled.Clear();
    }
}
