namespace DistributedCopy.Core.Types;

/// <summary>
/// One key's value as read by type, to be written with the type's own commands: <see cref="Items"/> holds a string's
/// value, a hash's fields and values in turn, a set's members, a sorted set's members and scores in turn, a list's
/// elements; a stream has its entries, its last id and counters, and its consumer groups.
/// </summary>
internal sealed class TypedValue
{
    public string Type { get; set; } = "";

    /// <summary>The key was gone (deleted or expired) when it was read.</summary>
    public bool Vanished { get; set; }

    public List<byte[]> Items { get; } = [];

    public List<(byte[] Id, List<byte[]> Fields)> Entries { get; } = [];

    /// <summary>XINFO STREAM's last-generated-id, entries-added and max-deleted-entry-id (the latter two from Redis 7.0).</summary>
    public Dictionary<string, string> StreamInfo { get; } = new(StringComparer.Ordinal);

    public List<StreamGroup> Groups { get; } = [];

    public void Clear()
    {
        Type = "";
        Vanished = false;
        Items.Clear();
        Entries.Clear();
        StreamInfo.Clear();
        Groups.Clear();
    }
}
