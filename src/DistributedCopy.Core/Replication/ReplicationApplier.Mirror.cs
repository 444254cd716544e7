using System.Text;

namespace DistributedCopy.Core.Replication;

// ReplicationApplier, part 3: a sync's mirror of one database, exactly once. A standalone target takes each pipeline as one
// MULTI … SET marker … EXEC (the stream's own transactions inside it, so they stay whole); a cluster target takes each
// slot's commands of a pipeline as one transaction with that slot's marker (a cluster runs MULTI within one slot), and a
// command for every master (FLUSHALL, FUNCTION) as one per master with that master's marker, after the slots before it.
public sealed partial class ReplicationApplier
{
    private readonly Dictionary<int, List<byte[]>> _slotGroups = [];
    private bool _open;
    private int _grouped;

    private static readonly byte[] FlushDb = "*1\r\n$7\r\nFLUSHDB\r\n"u8.ToArray();

    private async Task MirrorAsync(Kind kind, ReadOnlyMemory<byte> command, long start)
    {
        var mirror = _mirror!;
        var end = _link.Position.Offset;
        switch (kind)
        {
            case Kind.Select:
                return;
            case Kind.Multi:
                // inside a transaction of the applier's (one per pipeline, or per slot), which keeps it whole
                _inTransaction = true;
                return;
            case Kind.Exec:
                _inTransaction = false;
                return;
            case Kind.FlushAll or Kind.FlushDb when mirror.Slots is not null:
                // one master of a cluster source: its slots only, not the other masters' keys
                DropHeld();
                await FlushSlotsAsync(mirror.Slots, end, command.Length).ConfigureAwait(false);
                return;
            case Kind.FlushAll:
                // every database of the source: the mirrored one too (the target's other databases are not the sync's)
                Everywhere(_target.Topology.IsCluster ? command.Span : FlushDb, end);
                return;
            case Kind.FlushDb when _database == mirror.SourceDatabase:
                Everywhere(FlushDb, end);
                return;
        }
        var slot = _keys.SlotOf(command.Span) ?? await CommandKeys.GetKeysSlotAsync(await _target.ConnectionAsync(0, CancellationToken.None).ConfigureAwait(false), command).ConfigureAwait(false);
        if (slot == CommandKeys.Keyless && kind != Kind.FlushDb)
        {
            // FUNCTION LOAD, SCRIPT FLUSH: of no database
            Everywhere(command.Span, end);
            return;
        }
        if (_database != mirror.SourceDatabase)
        {
            Interlocked.Increment(ref _otherDatabases);
            return;
        }
        if (!_target.Topology.IsCluster)
        {
            if (_markers!.Holds(end))
            {
                Interlocked.Increment(ref _skipped);
                return;
            }
            OpenStandalone();
            Write(0, command.Span);
            return;
        }
        if (slot < 0)
        {
            Interlocked.Increment(ref _errors);
            RespFrame.TryBulk(RespFrame.Array(command.Span).Next(), out var name);
            LastError = $"a {Encoding.ASCII.GetString(name)} over keys of several slots cannot be applied to a cluster";
            return;
        }
        if (mirror.HandOver is { } givenAway && !givenAway.IsFree(slot) && givenAway.GivenBefore(slot, end))
        {
            // replayed after a restart: this stream wrote it before it handed the slot over
            Interlocked.Increment(ref _skipped);
            return;
        }
        if (mirror.HandOver is { } handOver && (!handOver.IsFree(slot) || (_held.Count > 0 && _held.ContainsKey(slot)) || handOver.DueBefore(slot, start)))
        {
            // moved to this master from another one whose stream may still write it: held until handed over (a slot held
            // stays held until this applier releases it, in order; before the markers: none of a held slot's commands is
            // on the target, whatever a marker for every master says)
            Hold(slot, start, command);
            return;
        }
        if (_markers!.Holds(slot, _target.Topology.ShardFor(slot), end))
        {
            Interlocked.Increment(ref _skipped);
            return;
        }
        if (!_slotGroups.TryGetValue(slot, out var group))
        {
            _slotGroups[slot] = group = [];
        }
        group.Add(command.ToArray());
        _grouped++;
    }

    /// <summary>A command for the whole mirrored database: after every slot's commands before it, with each master's marker.</summary>
    private void Everywhere(ReadOnlySpan<byte> command, long end)
    {
        if (!_target.Topology.IsCluster)
        {
            if (_markers!.Holds(end))
            {
                Interlocked.Increment(ref _skipped);
                return;
            }
            OpenStandalone();
            Write(0, command);
            return;
        }
        WriteSlotGroups(end - command.Length);
        var value = ReplicationMarkers.Value(_link.Position.ReplicationId, end);
        for (var shard = 0; shard < _target.Topology.Shards.Count; shard++)
        {
            if (_markers!.HoldsAll(shard, end))
            {
                Interlocked.Increment(ref _skipped);
                continue;
            }
            Write(shard, Multi, stream: false);
            Write(shard, command);
            WriteMarker(shard, _markers.ShardKey(_target.Topology, shard), value);
            Write(shard, Exec, stream: false);
        }
    }

    /// <summary>Closes the pipeline's transactions with their markers (at the offset the pipeline ends at).</summary>
    private void EndPipeline(long end)
    {
        if (_mirror is null)
        {
            return;
        }
        if (_target.Topology.IsCluster)
        {
            WriteSlotGroups(end, DueHandOvers(end));
        }
        else if (_open)
        {
            WriteMarker(0, _markers!.StandaloneKey, ReplicationMarkers.Value(_link.Position.ReplicationId, end));
            Write(0, Exec, stream: false);
            _open = false;
        }
    }

    private void OpenStandalone()
    {
        if (!_open)
        {
            Write(0, Multi, stream: false);
            _open = true;
        }
    }

    /// <summary>
    /// Each slot's commands as one transaction with the slot's marker; a slot handed over with this pipeline gets its
    /// hand-over key in the same transaction (or alone, after nothing), so the taker writes only after the giver's last.
    /// </summary>
    private void WriteSlotGroups(long end, List<(int Slot, string To)>? handOvers = null)
    {
        var value = ReplicationMarkers.Value(_link.Position.ReplicationId, end);
        var handing = handOvers?.ToDictionary(h => h.Slot, h => h.To);
        foreach (var (slot, commands) in _slotGroups)
        {
            var shard = _target.Topology.ShardFor(slot);
            Write(shard, Multi, stream: false);
            foreach (var command in commands)
            {
                Write(shard, command);
            }
            WriteMarker(shard, _markers!.SlotKey(slot), value);
            if (handing?.Remove(slot, out var to) == true)
            {
                WriteHandOver(shard, slot, to);
            }
            Write(shard, Exec, stream: false);
        }
        foreach (var (slot, to) in handing ?? [])
        {
            WriteHandOver(_target.Topology.ShardFor(slot), slot, to);
        }
        _handing = handOvers ?? [];
        _slotGroups.Clear();
        _grouped = 0;
    }

    /// <summary>
    /// Markers are written (true until a cutover's checks passed: then they are removed, and written again only if the
    /// verdict over every partition failed and the sync goes on).
    /// </summary>
    public bool Marking
    {
        get => Volatile.Read(ref _marking);
        set => Volatile.Write(ref _marking, value);
    }

    private bool _marking = true;

    private void WriteMarker(int shard, string key, string value)
    {
        if (!Marking)
        {
            return;
        }
        _target.Writer(shard).Command("SET", key, value);
        _route.Add(shard);
    }
}
