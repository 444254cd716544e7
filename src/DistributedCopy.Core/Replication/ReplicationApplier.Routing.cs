using System.Text;

namespace DistributedCopy.Core.Replication;

// ReplicationApplier, part 2: each command of the stream to its place on the target.
public sealed partial class ReplicationApplier
{
    /// <summary>The commands the applier treats apart from the rest.</summary>
    private enum Kind
    {
        Other,
        Ping,
        Replconf,
        GetAck,
        Select,
        FlushAll,
        FlushDb,
        Multi,
        Exec,
    }

    /// <summary>
    /// Routes a command to the target (copied into a writer, or held with the transaction it belongs to: the link's buffer
    /// is reused by its next read); true for a GETACK (the master asks for an ACK).
    /// </summary>
    private async Task<bool> AddAsync(ReadOnlyMemory<byte> command)
    {
        // where the command starts in the stream (a rewrite below changes its length, not its place)
        var start = _link.Position.Offset - command.Length;
        if (AbsoluteExpiry.Rewrite(command.Span, _link.ReceivedAtMs) is { } absolute)
        {
            // written later than the master ran it: the expiry from when it came
            command = absolute;
        }
        var kind = Inspect(command.Span);
        switch (kind)
        {
            case Kind.Ping or Kind.Replconf:
                return false;
            case Kind.GetAck:
                return true;
        }
        if (_mirror is not null)
        {
            await MirrorAsync(kind, command, start).ConfigureAwait(false);
            return false;
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
            : Ascii.EqualsIgnoreCase(name, "FLUSHDB"u8) ? Kind.FlushDb
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

    private void Write(int shard, ReadOnlySpan<byte> command, bool stream = true)
    {
        _target.Writer(shard).Raw(command);
        _route.Add(shard);
        _written += stream ? 1 : 0;
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
