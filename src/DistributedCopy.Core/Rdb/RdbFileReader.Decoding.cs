namespace DistributedCopy.Core.Rdb;

// RdbFileReader, part 3: a value decoded into its elements, for a target that cannot RESTORE the file's version.
internal sealed partial class RdbFileReader
{
    /// <summary>The file's stream, for a type's decoder (<see cref="DataType.Decode"/>).</summary>
    public RdbStream In => _in;

    /// <summary>
    /// Reads one value of RDB object type <paramref name="type"/> (a payload's bytes after its type byte, written by RDB
    /// version <paramref name="version"/>) into <paramref name="into"/>, as its Redis type decodes it (<see cref="DataType"/>):
    /// a string's bytes, a list's elements, a set's members, a sorted set's members and scores, a hash's fields and values,
    /// a stream's entries, ids and consumer groups.
    /// </summary>
    public void Decode(byte type, int version, TypedValue into)
    {
        Version = version;
        into.Clear();
        var dataType = DataType.OfRdbType(type) ?? throw new CopyException($"value type {type} cannot be written by type");
        into.Type = dataType.Name;
        dataType.Decode(this, type, into);
    }
}
