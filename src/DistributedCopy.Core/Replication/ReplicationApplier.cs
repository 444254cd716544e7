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
/// </summary>
public sealed class ReplicationApplier : IAsyncDisposable
{
    /// <summary>Commands a pipeline to the target holds at most (or 1 MB of them).</summary>
    private const int PipelineCommands = 1000;

    private readonly ReplicationLink _link;
    private readonly ShardConnections _target;
    private readonly CommandKeys _keys;
    private readonly List<(byte[] Command, int Slot)> _transaction = [];
    private readonly List<int> _route = [];
    private bool _inTransaction;
    private int _database;
    private int _appliedDatabase;
    private long _applied;
    private long _commands;
    private long _errors;
    private long _otherDatabases;
    private long _splitTransactions;

    private ReplicationApplier(ReplicationLink link, ShardConnections target, CommandKeys keys)
    {
        _link = link;
        _target = target;
        _keys = keys;
        _applied = link.Position.Offset;
        _database = _appliedDatabase = link.Position.Database;
        if (_database != 0 && !target.Topology.IsCluster)
        {
            // a continued stream does not say its database again: the target's connection selects it first
            var writer = new RespWriter(64);
            writer.Command("SELECT", _database.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Write(0, writer.Written.Span);
        }
    }

    /// <summary>The database the stream has selected at <see cref="Applied"/> (it goes into the checkpointed position).</summary>
    public int Database => Volatile.Read(ref _appliedDatabase);

    /// <summary>Where the target stands: the link's replication id, <see cref="Applied"/> and <see cref="Database"/>.</summary>
    public ReplicationPosition Position => new(_link.Position.ReplicationId, Applied, Database);


    /// <summary>The master's offset up to which the target has answered every command.</summary>
    public long Applied => Volatile.Read(ref _applied);

    /// <summary>Commands written to the target (the link's own PINGs and REPLCONFs not counted; a broadcast once per master).</summary>
    public long Commands => Volatile.Read(ref _commands);

    /// <summary>
    /// Pipelines in which the target answered a command with an error, commands of a transaction that failed, and commands
    /// that cannot be applied to a cluster; the last one's text in <see cref="LastError"/>.
    /// </summary>
    public long Errors => Volatile.Read(ref _errors);

    public string? LastError { get; private set; }

    /// <summary>Commands of databases other than 0 passed over (a cluster target has database 0 only).</summary>
    public long OtherDatabases => Volatile.Read(ref _otherDatabases);

    /// <summary>Transactions over keys of several slots, applied command by command (a cluster runs MULTI within one slot).</summary>
    public long SplitTransactions => Volatile.Read(ref _splitTransactions);

    public static async Task<ReplicationApplier> OpenAsync(ReplicationLink link, ClusterView target, CancellationToken cancellationToken = default)
    {
        var connections = new ShardConnections(target);
        await connections.SyncAsync().ConfigureAwait(false);
        var keys = await CommandKeys.ReadAsync(await connections.ConnectionAsync(0, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        return new ReplicationApplier(link, connections, keys);
    }

    /// <summary>
    /// Applies the stream until <paramref name="cancellationToken"/> ends it (between two pipelines) or the link or the
    /// target fails. A target that fails in the middle of a pipeline leaves the commands after <see cref="Applied"/>
    /// perhaps applied: resuming from there may apply some of them twice.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var asked = await AddAsync(await _link.ReadCommandAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            while (true)
            {
                if (_inTransaction)
                {
                    // a pipeline ends between transactions: the offset applied never falls inside one
                    asked |= await AddAsync(await _link.ReadCommandAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                    continue;
                }
                if (_route.Count >= PipelineCommands || !_link.TryReadCommand(out var next))
                {
                    break;
                }
                asked |= await AddAsync(next).ConfigureAwait(false);
            }
            if (_route.Count > 0)
            {
                // not cancelled halfway: a stop comes between pipelines, so the offset applied is what the target holds (the
                // target's deadline still bounds the wait)
                var error = await _target.SendAndReadEachAsync([.. _route], 0, _route.Count, _ => true, (_, reply) => CountExecErrors(reply), CancellationToken.None)
                    .ConfigureAwait(false);
                if (error is not null)
                {
                    // SendAndReadEachAsync keeps the first error of the pipeline
                    LastError = error;
                    Interlocked.Increment(ref _errors);
                }
                Interlocked.Add(ref _commands, _route.Count);
                _route.Clear();
            }
            Volatile.Write(ref _appliedDatabase, _database);
            Volatile.Write(ref _applied, _link.Position.Offset);
            // the link acknowledges every second; a GETACK is answered at once
            _link.Applied = Applied;
            if (asked)
            {
                await _link.AcknowledgeAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public ValueTask DisposeAsync() => _target.DisposeAsync();

    /// <summary>The commands the applier treats apart from the rest.</summary>
    private enum Kind
    {
        Other,
        Ping,
        Replconf,
        GetAck,
        Select,
        FlushAll,
        Multi,
        Exec,
    }

    /// <summary>
    /// Routes a command to the target (copied into a writer, or held with the transaction it belongs to: the link's buffer
    /// is reused by its next read); true for a GETACK (the master asks for an ACK).
    /// </summary>
    private async Task<bool> AddAsync(ReadOnlyMemory<byte> command)
    {
        var kind = Inspect(command.Span);
        switch (kind)
        {
            case Kind.Ping or Kind.Replconf:
                return false;
            case Kind.GetAck:
                return true;
        }
        if (!_target.Topology.IsCluster)
        {
            // the stream as it is; a transaction is followed only so that no pipeline ends inside one
            _inTransaction = kind == Kind.Multi || (_inTransaction && kind != Kind.Exec);
            Write(0, command.Span);
            return false;
        }
        switch (kind)
        {
            case Kind.Select:
                return false;
            case Kind.FlushAll:
                Broadcast(command.Span);
                return false;
            case Kind.Multi:
                _inTransaction = true;
                _transaction.Clear();
                return false;
            case Kind.Exec:
                EndTransaction();
                return false;
        }
        if (_database != 0)
        {
            Interlocked.Increment(ref _otherDatabases);
            return false;
        }
        var slot = _keys.SlotOf(command.Span) ?? await CommandKeys.GetKeysSlotAsync(await _target.ConnectionAsync(0, CancellationToken.None).ConfigureAwait(false), command).ConfigureAwait(false);
        if (_inTransaction)
        {
            _transaction.Add((command.ToArray(), slot));
        }
        else if (slot >= 0)
        {
            Write(_target.Topology.ShardFor(slot), command.Span);
        }
        else if (slot == CommandKeys.Keyless)
        {
            // FLUSHDB, FUNCTION LOAD, SCRIPT FLUSH: every master
            Broadcast(command.Span);
        }
        else
        {
            Interlocked.Increment(ref _errors);
            RespFrame.TryBulk(RespFrame.Array(command.Span).Next(), out var name);
            LastError = $"a {Encoding.ASCII.GetString(name)} over keys of several slots cannot be applied to a cluster";
        }
        return false;
    }

    /// <summary>What the command is to the applier; a SELECT's database is followed here.</summary>
    private Kind Inspect(ReadOnlySpan<byte> command)
    {
        var parts = RespFrame.Array(command);
        RespFrame.TryBulk(parts.Next(), out var name);
        if (Ascii.EqualsIgnoreCase(name, "PING"u8))
        {
            return Kind.Ping;
        }
        if (Ascii.EqualsIgnoreCase(name, "REPLCONF"u8))
        {
            return parts.Count > 1 && RespFrame.TryBulk(parts.Next(), out var sub) && Ascii.EqualsIgnoreCase(sub, "GETACK"u8) ? Kind.GetAck : Kind.Replconf;
        }
        if (Ascii.EqualsIgnoreCase(name, "SELECT"u8))
        {
            _database = (int)RespFrame.Integer(parts.Next());
            return Kind.Select;
        }
        return Ascii.EqualsIgnoreCase(name, "MULTI"u8) ? Kind.Multi
            : Ascii.EqualsIgnoreCase(name, "EXEC"u8) ? Kind.Exec
            : Ascii.EqualsIgnoreCase(name, "FLUSHALL"u8) ? Kind.FlushAll
            : Kind.Other;
    }

    /// <summary>EXEC: the transaction as one where all its keys are in one slot (a cluster's rule for MULTI), else command by command.</summary>
    private void EndTransaction()
    {
        _inTransaction = false;
        var slots = _transaction.Select(c => c.Slot).Distinct().ToList();
        if (slots is [>= 0])
        {
            var shard = _target.Topology.ShardFor(slots[0]);
            Write(shard, Multi);
            foreach (var (command, _) in _transaction)
            {
                Write(shard, command);
            }
            Write(shard, Exec);
        }
        else
        {
            if (slots.Count(s => s >= 0) > 1)
            {
                Interlocked.Increment(ref _splitTransactions);
            }
            foreach (var (command, slot) in _transaction)
            {
                if (slot >= 0)
                {
                    Write(_target.Topology.ShardFor(slot), command);
                }
                else if (slot == CommandKeys.Keyless)
                {
                    Broadcast(command);
                }
            }
        }
        _transaction.Clear();
    }

    private static readonly byte[] Multi = "*1\r\n$5\r\nMULTI\r\n"u8.ToArray();
    private static readonly byte[] Exec = "*1\r\n$4\r\nEXEC\r\n"u8.ToArray();

    private void Write(int shard, ReadOnlySpan<byte> command)
    {
        _target.Writer(shard).Raw(command);
        _route.Add(shard);
    }

    private void Broadcast(ReadOnlySpan<byte> command)
    {
        for (var shard = 0; shard < _target.Topology.Shards.Count; shard++)
        {
            Write(shard, command);
        }
    }

    /// <summary>An EXEC's reply holds its commands' errors.</summary>
    private void CountExecErrors(ReadOnlySpan<byte> reply)
    {
        if (reply.Length == 0 || reply[0] != (byte)'*' || RespFrame.IsNull(reply))
        {
            return;
        }
        var results = RespFrame.Array(reply);
        while (results.MoveNext(out var result))
        {
            if (RespFrame.IsError(result))
            {
                LastError = RespFrame.ErrorText(result);
                Interlocked.Increment(ref _errors);
            }
        }
    }
}
