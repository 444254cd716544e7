namespace DistributedCopy.Core.Rdb;

/// <summary>What reading an RDB file found: its version, keys taken by type, keys expired or of other databases, notes.</summary>
public sealed class RdbFileStats
{
    private readonly Dictionary<int, bool[]> _slots = [];
    private readonly object _lock = new();
    private readonly Dictionary<string, long> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<int, long> _otherDatabases = [];
    private readonly Dictionary<int, long> _databases = [];

    public int Version { get; internal set; }

    public long Keys { get; private set; }

    public long PayloadBytes { get; private set; }

    public long Expired { get; private set; }

    /// <summary>Keys with an expiry still ahead (loaded with it, absolute).</summary>
    public long Expiring { get; private set; }

    public List<string> Notes { get; } = [];

    /// <summary>Where reading stopped at bytes that are not RDB (a file saved without a checksum), with the keys before it counted; null if none.</summary>
    public string? Damage { get; internal set; }

    /// <summary>Keys by the file's value encoding (string, hash-listpack, list-quicklist2, stream-v3, …).</summary>
    public IReadOnlyDictionary<string, long> ByEncoding
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<string, long>(_types);
            }
        }
    }

    /// <summary>Keys of databases not loaded, by database.</summary>
    public IReadOnlyDictionary<int, long> OtherDatabases
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<int, long>(_otherDatabases);
            }
        }
    }

    internal void AddKey(byte type, long payloadBytes)
    {
        lock (_lock)
        {
            Keys++;
            PayloadBytes += payloadBytes;
            var name = Encoding(type);
            _types[name] = _types.GetValueOrDefault(name) + 1;
        }
    }

    /// <summary>Keys by database (a summary of the whole file).</summary>
    public IReadOnlyDictionary<int, long> ByDatabase
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<int, long>(_databases);
            }
        }
    }

    /// <summary>Whether keys of <paramref name="database"/> fall in each hash slot (a summary of the whole file).</summary>
    public IReadOnlyList<bool> SlotsOf(int database)
    {
        lock (_lock)
        {
            return _slots.TryGetValue(database, out var slots) ? [.. slots] : new bool[HashSlot.Count];
        }
    }

    internal void AddDatabase(int database, int slot)
    {
        lock (_lock)
        {
            _databases[database] = _databases.GetValueOrDefault(database) + 1;
            if (!_slots.TryGetValue(database, out var slots))
            {
                _slots[database] = slots = new bool[HashSlot.Count];
            }
            slots[slot] = true;
        }
    }

    internal void AddExpired()
    {
        lock (_lock)
        {
            Expired++;
        }
    }

    internal void AddExpiring()
    {
        lock (_lock)
        {
            Expiring++;
        }
    }

    internal void AddOther(int database)
    {
        lock (_lock)
        {
            _otherDatabases[database] = _otherDatabases.GetValueOrDefault(database) + 1;
        }
    }

    /// <summary>The name of an RDB value type byte.</summary>
    public static string Encoding(byte type) => type switch
    {
        0 => "string",
        1 => "list",
        2 => "set",
        3 => "zset",
        4 => "hash",
        5 => "zset2",
        9 => "hash-zipmap",
        10 => "list-ziplist",
        11 => "set-intset",
        12 => "zset-ziplist",
        13 => "hash-ziplist",
        14 => "list-quicklist",
        15 => "stream",
        16 => "hash-listpack",
        17 => "zset-listpack",
        18 => "list-quicklist2",
        19 => "stream-v2",
        20 => "set-listpack",
        21 => "stream-v3",
        _ => $"type-{type}",
    };
}
