using System.Globalization;
using System.Text;

namespace DistributedCopy.Core.Replication;

/// <summary>
/// Where a mirrored stream stands, kept on the target itself and written in the same transaction as the commands it covers,
/// so a stream resumed from an older checkpoint skips what the target holds already (exactly once, INCR and LPUSH too).
/// A standalone target keeps one key, <c>dcopy:replication:&lt;name&gt;</c>; a cluster target one per slot written,
/// <c>dcopy:replication:{tag}:&lt;name&gt;</c>, and one per master for commands every master takes (FLUSHALL, FUNCTION),
/// <c>dcopy:replication:{tag}:&lt;name&gt;:all</c>. Each holds "replid:offset": the stream's offset up to which that slot
/// (or master) holds every command. They are removed when a snapshot starts the stream over and when the sync ends.
/// </summary>
internal sealed class ReplicationMarkers
{
    private const string Prefix = "dcopy:replication:";

    private readonly string _name;
    private readonly long[] _slots = new long[HashSlot.Count];
    private readonly Dictionary<int, long> _shards = [];
    private long _standalone;

    private ReplicationMarkers(string name) => _name = name;

    /// <summary>A key of dcopy's stream markers (any sync's): never a difference between the two sides.</summary>
    public static bool IsMarker(ReadOnlySpan<byte> key) => key.StartsWith("dcopy:replication:"u8);

    public string StandaloneKey => Prefix + _name;

    public string SlotKey(int slot) => $"{Prefix}{{{HashSlot.Tag(slot)}}}:{_name}";

    public string ShardKey(Topology topology, int shard) => $"{Prefix}{{{HashSlot.Tag(topology.Shards[shard].Slots[0].Start)}}}:{_name}:all";

    public static string Value(string replicationId, long offset) => $"{replicationId}:{offset.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The stream's command ending at <paramref name="offset"/> is on the target already (a standalone target).</summary>
    public bool Holds(long offset) => offset <= _standalone;

    /// <summary>The command ending at <paramref name="offset"/> for <paramref name="slot"/> on master <paramref name="shard"/> is on the target already.</summary>
    public bool Holds(int slot, int shard, long offset) => offset <= _slots[slot] || HoldsAll(shard, offset);

    /// <summary>The command for every master ending at <paramref name="offset"/> is on master <paramref name="shard"/> already.</summary>
    public bool HoldsAll(int shard, long offset) => _shards.TryGetValue(shard, out var at) && offset <= at;

    /// <summary>Only the master's own keys of this name are read (a name is letters, digits, '-', '_' and '.').</summary>
    public static string Clean(string name) => new([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-')]);

    /// <summary>Reads the markers of <paramref name="name"/> the target holds (the database the connection has selected, for a standalone one).</summary>
    public static async Task<ReplicationMarkers> ReadAsync(ShardConnections target, string name, CancellationToken cancellationToken)
    {
        var markers = new ReplicationMarkers(Clean(name));
        var topology = target.Topology;
        if (!topology.IsCluster)
        {
            var connection = await target.ConnectionAsync(0, cancellationToken).ConfigureAwait(false);
            markers._standalone = Offset(await connection.ExecuteAsync("GET", markers.StandaloneKey).ConfigureAwait(false));
            return markers;
        }
        for (var shard = 0; shard < topology.Shards.Count; shard++)
        {
            var connection = await target.ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
            foreach (var key in await ListAsync(connection, markers._name).ConfigureAwait(false))
            {
                var offset = Offset(await connection.ExecuteAsync("GET", key).ConfigureAwait(false));
                if (key.EndsWith(":all", StringComparison.Ordinal))
                {
                    markers._shards[shard] = Math.Max(markers._shards.GetValueOrDefault(shard), offset);
                }
                else
                {
                    markers._slots[HashSlot.Of(key)] = offset;
                }
            }
        }
        return markers;
    }

    /// <summary>
    /// Marks everything up to <paramref name="value"/>'s offset as held on every target master (after the markers were
    /// removed by a cutover's checks and its verdict then failed: the target holds all the stream up to the position applied).
    /// </summary>
    public static async Task HoldAllAsync(ShardConnections target, string name, string value, CancellationToken cancellationToken)
    {
        var markers = new ReplicationMarkers(Clean(name));
        for (var shard = 0; shard < target.Topology.Shards.Count; shard++)
        {
            var connection = await target.ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
            await connection.ExecuteAsync("SET", target.Topology.IsCluster ? markers.ShardKey(target.Topology, shard) : markers.StandaloneKey, value).ConfigureAwait(false);
        }
    }

    /// <summary>Removes the markers of <paramref name="name"/> from the target; returns how many there were.</summary>
    public static async Task<int> ClearAsync(ShardConnections target, string name, CancellationToken cancellationToken)
    {
        var removed = 0;
        var clean = Clean(name);
        for (var shard = 0; shard < target.Topology.Shards.Count; shard++)
        {
            var connection = await target.ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
            foreach (var key in await ListAsync(connection, clean).ConfigureAwait(false))
            {
                removed += (int)await connection.ExecuteIntegerAsync("DEL", key).ConfigureAwait(false);
            }
        }
        return removed;
    }

    /// <summary>The markers the target holds whose name holds <paramref name="name"/> (any sync's by default: the cutover's counts leave them out).</summary>
    public static async Task<List<string>> ListAllAsync(ShardConnections target, CancellationToken cancellationToken, string name = "*")
    {
        var keys = new List<string>();
        for (var shard = 0; shard < target.Topology.Shards.Count; shard++)
        {
            keys.AddRange(await ListAsync(await target.ConnectionAsync(shard, cancellationToken).ConfigureAwait(false), name).ConfigureAwait(false));
        }
        return keys;
    }

    /// <summary>
    /// The keys of <paramref name="name"/>'s markers on one master ("*": every sync's). A name is matched whole: the
    /// markers of partition 1 are not those of partition 10.
    /// </summary>
    private static async Task<List<string>> ListAsync(RespConnection connection, string name)
    {
        var keys = new List<string>();
        var cursor = "0";
        do
        {
            var reply = await connection.ExecuteAsync("SCAN", cursor, "MATCH", $"{Prefix}*{name}*", "COUNT", "1000").ConfigureAwait(false);
            var parts = RespFrame.Array(reply);
            RespFrame.TryBulk(parts.Next(), out var next);
            cursor = Encoding.ASCII.GetString(next);
            var page = RespFrame.Array(parts.Next());
            while (page.MoveNext(out var key))
            {
                RespFrame.TryBulk(key, out var bytes);
                var text = Encoding.UTF8.GetString(bytes);
                if (name == "*" || text == Prefix + name || text.EndsWith(":" + name, StringComparison.Ordinal) || text.EndsWith(":" + name + ":all", StringComparison.Ordinal))
                {
                    keys.Add(text);
                }
            }
        }
        while (cursor != "0");
        return keys;
    }

    private static long Offset(byte[] reply)
    {
        if (RespFrame.IsNull(reply))
        {
            return -1;
        }
        var text = RespFrame.String(reply);
        return long.TryParse(text.AsSpan(text.LastIndexOf(':') + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ? offset : -1;
    }
}
