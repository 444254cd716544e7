using System.Text;

namespace DistributedCopy.Core.Replication;

/// <summary>
/// Applies a <see cref="ReplicationLink"/>'s command stream to the target, in order and pipelined, each command as the
/// master sent it (expiries as the master made them absolute). A standalone target takes the stream whole (SELECT and
/// MULTI/EXEC included). A cluster target gets each command on the master serving its keys' slot
/// (<see cref="CommandKeys"/>); a transaction over one slot stays one, a transaction over several is applied command by
/// command (<see cref="SplitTransactions"/>); FLUSHALL, FLUSHDB and keyless writes (FUNCTION, SCRIPT) go to every master;
/// commands of databases other than 0 are passed over and counted (<see cref="OtherDatabases"/>). The master's PINGs
/// and REPLCONFs are the link's own: a GETACK is answered with the offset applied. An offset counts as applied
/// (<see cref="Applied"/>, and the master's ACK) once the target has answered every command up to it.
/// With a <see cref="ReplicationMirror"/> (a sync), one database of the source goes to one of the target, and every
/// command is written in a transaction with the <see cref="ReplicationMarkers"/> that say how far the target holds the
/// stream: a stream resumed from before them skips what the target holds, so nothing is applied twice.
/// </summary>
public sealed partial class ReplicationApplier : IAsyncDisposable
{
    /// <summary>Commands a pipeline to the target holds at most (or 1 MB of them).</summary>
    private const int PipelineCommands = 1000;

    private readonly ReplicationLink _link;
    private readonly ShardConnections _target;
    private readonly CommandKeys _keys;
    private readonly ReplicationMirror? _mirror;
    private readonly ReplicationMarkers? _markers;
    private readonly List<(byte[] Command, int Slot)> _transaction = [];
    private readonly List<int> _route = [];
    private bool _inTransaction;
    private int _database;
    private int _appliedDatabase;
    private long _applied;
    private long _commands;
    private int _written;
    private long _errors;
    private long _otherDatabases;
    private long _splitTransactions;
    private long _skipped;

    private ReplicationApplier(ReplicationLink link, ShardConnections target, CommandKeys keys, ReplicationMirror? mirror, ReplicationMarkers? markers)
    {
        _link = link;
        _target = target;
        _keys = keys;
        _mirror = mirror;
        _markers = markers;
        _applied = link.Position.Offset;
        _database = _appliedDatabase = link.Position.Database;
        if (_database != 0 && !target.Topology.IsCluster && mirror is null)
        {
            // a continued stream does not say its database again: the target's connection selects it first
            var writer = new RespWriter(64);
            writer.Command("SELECT", _database.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Write(0, writer.Written.Span, stream: false);
        }
    }

    /// <summary>The database the stream has selected at <see cref="Applied"/> (it goes into the checkpointed position).</summary>
    public int Database => Volatile.Read(ref _appliedDatabase);

    /// <summary>Where the target stands: the link's replication id, <see cref="Applied"/> and <see cref="Database"/>.</summary>
    public ReplicationPosition Position => new(_link.Position.ReplicationId, Applied, Database);

    /// <summary>The master's offset up to which the target has answered every command.</summary>
    public long Applied => Volatile.Read(ref _applied);

    /// <summary>Commands of the stream written to the target (the link's own PINGs and REPLCONFs not counted).</summary>
    public long Commands => Volatile.Read(ref _commands);

    /// <summary>
    /// Pipelines in which the target answered a command with an error, commands of a transaction that failed, and commands
    /// that cannot be applied to a cluster; the last one's text in <see cref="LastError"/>.
    /// </summary>
    public long Errors => Volatile.Read(ref _errors);

    public string? LastError { get; private set; }

    /// <summary>Commands of databases other than the one applied passed over (a cluster target has database 0 only).</summary>
    public long OtherDatabases => Volatile.Read(ref _otherDatabases);

    /// <summary>Transactions over keys of several slots, applied command by command (a cluster runs MULTI within one slot).</summary>
    public long SplitTransactions => Volatile.Read(ref _splitTransactions);

    /// <summary>Commands the target held already (its markers say so): a stream resumed from an older checkpoint.</summary>
    public long Skipped => Volatile.Read(ref _skipped);

    /// <summary>
    /// Applies <paramref name="link"/> to <paramref name="target"/>: the whole stream as it is, or with
    /// <paramref name="mirror"/> one database of it, exactly once (the target's connection selects the mirror's database).
    /// </summary>
    public static async Task<ReplicationApplier> OpenAsync(ReplicationLink link, ClusterView target, CancellationToken cancellationToken = default, ReplicationMirror? mirror = null)
    {
        var connections = new ShardConnections(target);
        await connections.SyncAsync().ConfigureAwait(false);
        var first = await connections.ConnectionAsync(0, cancellationToken).ConfigureAwait(false);
        var keys = await CommandKeys.ReadAsync(first).ConfigureAwait(false);
        ReplicationMarkers? markers = null;
        if (mirror is not null)
        {
            markers = await ReplicationMarkers.ReadAsync(connections, mirror.Name, cancellationToken).ConfigureAwait(false);
        }
        return new ReplicationApplier(link, connections, keys, mirror, markers);
    }

    /// <summary>
    /// Applies the stream until <paramref name="cancellationToken"/> ends it (between two pipelines) or the link or the
    /// target fails. Without a mirror, a target that fails in the middle of a pipeline leaves the commands after
    /// <see cref="Applied"/> perhaps applied: resuming from there may apply some of them twice.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var asked = false;
            if (await NextAsync(cancellationToken).ConfigureAwait(false) is { } first)
            {
                asked = await AddAsync(first).ConfigureAwait(false);
                while (true)
                {
                    if (_inTransaction)
                    {
                        // a pipeline ends between transactions: the offset applied never falls inside one
                        asked |= await AddAsync(await _link.ReadCommandAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                        continue;
                    }
                    if (_route.Count + _grouped >= PipelineCommands || !_link.TryReadCommand(out var next))
                    {
                        break;
                    }
                    asked |= await AddAsync(next).ConfigureAwait(false);
                }
            }
            EndPipeline(_link.Position.Offset);
            await SendAsync().ConfigureAwait(false);
            Handed();
            Volatile.Write(ref _appliedDatabase, _database);
            // held commands (slots not yet handed over) are not applied: the position stays before the first
            Volatile.Write(ref _applied, HeldFrom ?? _link.Position.Offset);
            // the link acknowledges every second; a GETACK is answered at once
            _link.Applied = Applied;
            if (asked)
            {
                await _link.AcknowledgeAsync(cancellationToken).ConfigureAwait(false);
            }
            await ReleaseAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => _target.DisposeAsync();

    /// <summary>Writes the pipeline to the target and reads every reply (errors counted; with a mirror, an error stops the stream).</summary>
    private async Task SendAsync()
    {
        if (_route.Count == 0)
        {
            return;
        }
        // not cancelled halfway: a stop comes between pipelines, so the offset applied is what the target holds (the
        // target's deadline still bounds the wait)
        var error = await _target.SendAndReadEachAsync([.. _route], 0, _route.Count, _ => true, (_, reply) => CountExecErrors(reply), CancellationToken.None)
            .ConfigureAwait(false);
        if (error is not null && _mirror is not null && (error.StartsWith("MOVED ", StringComparison.Ordinal) || error.StartsWith("ASK ", StringComparison.Ordinal)))
        {
            // the target resharded: taken up again from the position applied with the topology read again (the markers
            // skip what was applied of this pipeline)
            throw new Resilience.TopologyChangedException($"the target moved a slot while the stream was applied ({error})");
        }
        if (error is not null && _mirror is not null && Resilience.ServerErrors.IsTransient(error))
        {
            throw new RedisErrorException(error);
        }
        if (error is not null && _mirror is not null)
        {
            // a command refused as it was queued (out of memory, unknown to the target, moved): its transaction was
            // not applied, and the stream cannot go on without it
            throw new CopyException($"the target refused the replication stream after offset {Applied:N0}: {error}; the sync resumes from there (the target's markers keep what it holds from being applied twice)");
        }
        if (error is not null)
        {
            // SendAndReadEachAsync keeps the first error of the pipeline
            LastError = error;
            Interlocked.Increment(ref _errors);
        }
        if (_mirror?.Acknowledge is { } options)
        {
            // as every writer: the pipeline counts once a replica of each target master holds it (a failover of the target
            // before then loses it with its marker, and the position taken up again writes it again)
            await _target.AcknowledgedAsync(_route, options, CancellationToken.None).ConfigureAwait(false);
        }
        Interlocked.Add(ref _commands, _written);
        _route.Clear();
        _written = 0;
    }
}

/// <summary>A sync's share of a stream: <see cref="SourceDatabase"/>'s commands into <see cref="TargetDatabase"/>, marked as <see cref="Name"/>.</summary>
public sealed record ReplicationMirror(int SourceDatabase, int TargetDatabase, string Name)
{
    /// <summary>A master of a cluster source: the slots it serves (a FLUSHDB on it empties these on the target), else null.</summary>
    public IReadOnlyList<SlotRange>? Slots { get; init; }

    /// <summary>Each pipeline confirmed by WAIT on target masters that have replicas (<see cref="CopyOptions.WaitForReplicas"/>), or not at all.</summary>
    public CopyOptions? Acknowledge { get; init; }

    /// <summary>A cluster source: which slots this stream writes, and those it hands over or waits for (a reshard between followed masters).</summary>
    public SlotHandOver? HandOver { get; init; }
}
