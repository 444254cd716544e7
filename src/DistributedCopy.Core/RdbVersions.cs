namespace DistributedCopy.Core;

/// <summary>DUMP payloads end with a 2-byte RDB version and an 8-byte CRC64, both little-endian.</summary>
public static class RdbVersions
{
    public const int TrailerLength = 10;

    /// <summary>The RDB version of a DUMP payload, or -1 when it is too short to hold one.</summary>
    public static int OfPayload(ReadOnlySpan<byte> payload) =>
        payload.Length < TrailerLength + 1 ? -1 : payload[^TrailerLength] | (payload[^(TrailerLength - 1)] << 8);

    /// <summary>The RDB version a Redis server of this version writes, and the highest it restores.</summary>
    public static int ForRedisVersion(string version)
    {
        var parts = version.Split('.');
        var major = parts.Length > 0 && int.TryParse(parts[0], out var a) ? a : 0;
        var minor = parts.Length > 1 && int.TryParse(parts[1], out var b) ? b : 0;
        return (major, minor) switch
        {
            ( >= 8, _) => 12,
            (7, >= 4) => 12,
            (7, >= 2) => 11,
            (7, _) => 10,
            ( >= 5, _) => 9,
            (4, _) => 8,
            (3, >= 2) => 7,
            _ => 6,
        };
    }
}
