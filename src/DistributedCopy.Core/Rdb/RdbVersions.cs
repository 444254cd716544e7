namespace DistributedCopy.Core.Rdb;

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

    /// <summary>The oldest Redis release that restores payloads of this RDB version.</summary>
    public static string MinimumRedisFor(int rdbVersion) => rdbVersion switch
    {
        <= 6 => "2.8",
        7 => "3.2",
        8 => "4.0",
        9 => "5.0",
        10 => "7.0",
        11 => "7.2",
        _ => "7.4",
    };

    /// <summary>Throws <see cref="RdbVersionException"/> when the target cannot restore a payload of this version.</summary>
    public static void EnsureRestorable(ReadOnlySpan<byte> payload, Topology target)
    {
        var version = OfPayload(payload);
        if (version > target.RdbVersion)
        {
            throw new RdbVersionException(version, target.RdbVersion, target.RedisVersion);
        }
    }

    /// <summary>
    /// Redis answers a too-new payload and a corrupt one with the same text; reading the payload's version tells which.
    /// Null when <paramref name="errorText"/> is another error.
    /// </summary>
    public static CopyException? ExplainRestoreError(string errorText, ReadOnlySpan<byte> key, ReadOnlySpan<byte> payload, Topology target)
    {
        if (!errorText.StartsWith("ERR DUMP payload version or checksum are wrong", StringComparison.Ordinal))
        {
            return null;
        }
        var version = OfPayload(payload);
        return version > target.RdbVersion
            ? new RdbVersionException(version, target.RdbVersion, target.RedisVersion)
            : new CopyException($"the target rejected the DUMP payload of key {KeyText.Printable(key)} (RDB version {version}) as corrupt: its checksum does not match");
    }
}
