namespace DistributedCopy.Core.Replication;

/// <summary>
/// Where each command's keys are, as a server's COMMAND table says (first, last, step), to route a replicated command to the
/// target master that serves its slot. Commands whose keys move (the table's "movablekeys", or a container's subcommand) are
/// asked of the server with COMMAND GETKEYS.
/// </summary>
internal sealed class CommandKeys
{
    /// <summary>A command without keys (FLUSHALL, FUNCTION LOAD, MULTI).</summary>
    public const int Keyless = -1;

    /// <summary>A command whose keys are in more than one slot.</summary>
    public const int CrossSlot = -2;

    // looked up by the command's name as it is in the stream, without a string a command
    private readonly Dictionary<string, (int First, int Last, int Step, bool Ask)>.AlternateLookup<ReadOnlySpan<char>> _table;

    private CommandKeys(Dictionary<string, (int, int, int, bool)> table) => _table = table.GetAlternateLookup<ReadOnlySpan<char>>();

    public static async Task<CommandKeys> ReadAsync(RespConnection connection)
    {
        var table = new Dictionary<string, (int, int, int, bool)>(StringComparer.OrdinalIgnoreCase);
        var commands = RespFrame.Array(await connection.ExecuteAsync("COMMAND").ConfigureAwait(false));
        while (commands.MoveNext(out var command))
        {
            var fields = RespFrame.Array(command);
            var name = RespFrame.String(fields.Next());
            fields.Next(); // arity
            var flags = RespFrame.Array(fields.Next());
            var movable = false;
            while (flags.MoveNext(out var flag))
            {
                movable |= RespFrame.String(flag) == "movablekeys";
            }
            var first = (int)RespFrame.Integer(fields.Next());
            var last = (int)RespFrame.Integer(fields.Next());
            var step = (int)RespFrame.Integer(fields.Next());
            // ACL categories, tips and key specs, then subcommands: a container (XGROUP, FUNCTION) has its keys in them
            var container = fields.Count > 9 && Skip(ref fields, 3) && fields.MoveNext(out var subcommands) && RespFrame.Array(subcommands).Count > 0;
            table[name] = (first, last, step, movable || container);
        }
        return new CommandKeys(table);
    }

    /// <summary>
    /// The slot of the command's keys; <see cref="Keyless"/>, <see cref="CrossSlot"/>, or null when only the server can
    /// say where its keys are (<see cref="GetKeysSlotAsync"/>: keys that move, a container's subcommand, a command unknown here).
    /// </summary>
    public int? SlotOf(ReadOnlySpan<byte> command)
    {
        var parts = RespFrame.Array(command);
        RespFrame.TryBulk(parts.Next(), out var nameBytes);
        Span<char> name = stackalloc char[64];
        if (nameBytes.Length > name.Length || !_table.TryGetValue(name[..System.Text.Encoding.ASCII.GetChars(nameBytes, name)], out var keys) || keys.Ask)
        {
            return null;
        }
        if (keys.First <= 0)
        {
            return Keyless;
        }
        var last = keys.Last < 0 ? parts.Count + keys.Last : keys.Last;
        var slot = Keyless;
        for (var i = 1; slot != CrossSlot && parts.MoveNext(out var element); i++)
        {
            if (i >= keys.First && i <= last && (i - keys.First) % Math.Max(1, keys.Step) == 0)
            {
                slot = With(slot, element);
            }
        }
        return slot;
    }

    /// <summary>The slot of the keys so far (<see cref="Keyless"/> before the first) with one more key: <see cref="CrossSlot"/> once two differ.</summary>
    private static int With(int slot, ReadOnlySpan<byte> keyFrame)
    {
        RespFrame.TryBulk(keyFrame, out var key);
        var of = HashSlot.Of(key);
        return slot >= 0 && of != slot ? CrossSlot : of;
    }

    private static bool Skip(ref RespFrame.ArrayReader fields, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (!fields.MoveNext(out _))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The slot of a command whose keys only the server can find (COMMAND GETKEYS on <paramref name="connection"/>).</summary>
    public static async Task<int> GetKeysSlotAsync(RespConnection connection, ReadOnlyMemory<byte> command)
    {
        var parts = RespFrame.Array(command.Span);
        var writer = new RespWriter(command.Length + 64);
        writer.Command(parts.Count + 2).Bulk("COMMAND"u8).Bulk("GETKEYS"u8);
        while (parts.MoveNext(out var element))
        {
            RespFrame.TryBulk(element, out var value);
            writer.Bulk(value);
        }
        await connection.SendAsync(writer).ConfigureAwait(false);
        await connection.ReadFrameAsync().ConfigureAwait(false);
        if (RespFrame.IsError(connection.Frame))
        {
            // "the command has no key arguments"
            return Keyless;
        }
        var keys = RespFrame.Array(connection.Frame);
        var slot = Keyless;
        while (slot != CrossSlot && keys.MoveNext(out var element))
        {
            slot = With(slot, element);
        }
        return slot;
    }
}
