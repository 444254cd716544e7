namespace DistributedCopy.Core.Rdb;

/// <summary>The Redis type of a DUMP payload, from its first byte (the RDB object type; encodings map to one type).</summary>
internal static class RdbTypes
{
    public static string Of(ReadOnlySpan<byte> payload) => payload.IsEmpty ? "none" : OfType(payload[0]);

    /// <summary>The Redis type (as TYPE names it) of an RDB object type byte.</summary>
    public static string OfType(byte type) => type switch
    {
        0 => "string",
        1 or 10 or 14 or 18 => "list",
        2 or 11 or 20 => "set",
        3 or 5 or 12 or 17 => "zset",
        4 or 9 or 13 or 16 => "hash",
        15 or 19 or 21 => "stream",
        6 or 7 => "module",
        _ => "unknown",
    };

    /// <summary>Commands that read a whole value in a form two servers agree on; unordered types are sorted after reading.</summary>
    public static (string[][] Commands, bool Sort) CanonicalRead(string type) => type switch
    {
        "string" => ([["GET"]], false),
        "list" => ([["LRANGE", "0", "-1"]], false),
        "set" => ([["SMEMBERS"]], true),
        "zset" => ([["ZRANGE", "0", "-1", "WITHSCORES"]], false),
        "hash" => ([["HGETALL"]], true),
        "stream" => ([["XRANGE", "-", "+"], ["XINFO", "GROUPS"]], false),
        _ => ([], false),
    };

    /// <summary>Writes a read command for <paramref name="key"/>: the key follows the command, or its subcommand (XINFO STREAM key).</summary>
    public static void WriteRead(RespWriter writer, string[] command, ReadOnlySpan<byte> key)
    {
        var keyAfter = command[0] == "XINFO" ? 2 : 1;
        writer.Command(command.Length + 1);
        for (var part = 0; part < command.Length; part++)
        {
            if (part == keyAfter)
            {
                writer.Bulk(key);
            }
            writer.Bulk(command[part]);
        }
        if (keyAfter == command.Length)
        {
            writer.Bulk(key);
        }
    }
}
