namespace DistributedCopy.Core.Types;

/// <summary>
/// One Redis type and everything the project knows of it, in one place: the RDB object types that hold it; how a whole
/// value is read from a server (<see cref="TypedReader"/>) and written to one (<see cref="TypedWriter"/>); how a big value
/// is copied (<see cref="ChunkedWriter"/>) and compared (<see cref="ChunkedComparer"/>) a chunk at a time; how it is
/// decoded from an RDB payload (<see cref="PayloadDecoder"/>), and the canonical form two values are compared in. One
/// subclass per type, each in a file of its own; what the types share is in <c>DataType.Shared.cs</c>.
/// </summary>
internal abstract partial class DataType(string name, params byte[] rdbTypes)
{
    public static readonly DataType String = new StringType();
    public static readonly DataType List = new ListType();
    public static readonly DataType Set = new SetType();
    public static readonly DataType SortedSet = new SortedSetType();
    public static readonly DataType Hash = new HashType();
    public static readonly DataType Stream = new StreamType();

    public static readonly IReadOnlyList<DataType> All = [String, List, Set, SortedSet, Hash, Stream];

    private static readonly DataType?[] ByRdbType = ByObjectType();

    /// <summary>The type's name as TYPE gives it.</summary>
    public string Name { get; } = name;

    /// <summary>The RDB object types (one per encoding) whose values are of this type.</summary>
    public IReadOnlyList<byte> RdbTypes { get; } = rdbTypes;

    /// <summary>The type TYPE names <paramref name="name"/>; null for a module's type or one the project does not know.</summary>
    public static DataType? Of(string name) => name switch
    {
        "string" => String,
        "list" => List,
        "set" => Set,
        "zset" => SortedSet,
        "hash" => Hash,
        "stream" => Stream,
        _ => null,
    };

    /// <summary>The type of an RDB object type byte; null for a module's value (6, 7) or an unknown byte.</summary>
    public static DataType? OfRdbType(byte type) => ByRdbType[type];

    /// <summary>The name (as TYPE gives it) of an RDB object type: "module" for a module's value, "unknown" for a byte no Redis writes.</summary>
    public static string NameOf(byte type) => ByRdbType[type]?.Name ?? (type is 6 or 7 ? "module" : "unknown");

    /// <summary>The type's name of a DUMP payload, from its first byte; "none" without one.</summary>
    public static string NameOf(ReadOnlySpan<byte> payload) => payload.IsEmpty ? "none" : NameOf(payload[0]);

    // --- a whole value read from a server (TypedReader) ---

    /// <summary>The commands that read a whole value (the key follows the command, or XINFO's subcommand).</summary>
    public abstract string[][] ReadCommands { get; }

    /// <summary>One reply of <see cref="ReadCommands"/> into <paramref name="value"/>; an empty one means the key is gone.</summary>
    public virtual void Parse(TypedValue value, ReadOnlySpan<byte> frame)
    {
        var items = RespFrame.Array(frame);
        value.Vanished = items.Count == 0;
        while (items.MoveNext(out var item))
        {
            value.Items.Add(Bytes(item));
        }
    }

    // --- a whole value written to a server (TypedWriter) ---

    /// <summary>
    /// The value's commands for <paramref name="key"/> (inside the writer's MULTI), each with at most
    /// <paramref name="itemsPerCommand"/> items; returns how many. <paramref name="modern"/>: the target is Redis 7 or later.
    /// </summary>
    public abstract int Write(RespWriter writer, ReadOnlySpan<byte> key, TypedValue value, int itemsPerCommand, bool modern);

    // --- a big value copied a chunk at a time (ChunkedWriter) ---

    /// <summary>Copies the source key to the temporary key a chunk at a time; returns whether it wrote anything (false: gone).</summary>
    public abstract Task<bool> CopyChunkedAsync(IChunkedCopy copy, CancellationToken cancellationToken);

    // --- a value compared a chunk at a time (ChunkedComparer) ---

    /// <summary>The command that gives the value's length (compared before the values).</summary>
    public abstract string LengthCommand { get; }

    /// <summary>Whether the two values, of <paramref name="length"/> each, are the same, read a chunk at a time.</summary>
    public abstract Task<bool> CompareChunkedAsync(ComparedKey pair, long length, CancellationToken cancellationToken);

    // --- a value compared whole (BatchVerifier, FileBatchVerifier) ---

    /// <summary>Commands that read a whole value in a form two servers agree on (after sorting, when <see cref="Unordered"/>).</summary>
    public abstract string[][] CanonicalCommands { get; }

    /// <summary>The type has no order of its own (a set, a hash): its canonical read is sorted.</summary>
    public virtual bool Unordered => false;

    /// <summary>A decoded value as comparable text: its items in order, unless the type is unordered.</summary>
    public virtual List<string> Canonical(TypedValue value) => [.. value.Items.Select(Convert.ToBase64String)];

    // --- a value decoded from an RDB payload (PayloadDecoder) ---

    /// <summary>Reads a value of RDB object type <paramref name="rdbType"/> (one of <see cref="RdbTypes"/>) into <paramref name="into"/>.</summary>
    public abstract void Decode(RdbFileReader reader, byte rdbType, TypedValue into);

    private static DataType?[] ByObjectType()
    {
        var table = new DataType?[256];
        foreach (var type in All)
        {
            foreach (var rdbType in type.RdbTypes)
            {
                table[rdbType] = type;
            }
        }
        return table;
    }
}
