namespace DistributedCopy.Core.Tests.Unit;

/// <summary>A DUMP payload's RDB version, read from its trailer, against what a target restores.</summary>
public sealed class RdbVersionUnitTests
{
    public static TheoryData<string, int> Servers => new()
    {
        { "2.8.24", 6 }, { "3.2.12", 7 }, { "4.0.14", 8 }, { "5.0.14", 9 }, { "6.2.14", 9 },
        { "7.0.15", 10 }, { "7.2.4", 11 }, { "7.4.3", 12 }, { "8.0.2", 12 },
    };

    [Theory]
    [MemberData(nameof(Servers))]
    public void EachRedisReleaseWritesAndRestoresItsRdbVersion(string redis, int rdb)
    {
        Assert.Equal(rdb, RdbVersions.ForRedisVersion(redis));
        Assert.True(RdbVersions.ForRedisVersion(RdbVersions.MinimumRedisFor(rdb)) >= rdb, $"{RdbVersions.MinimumRedisFor(rdb)} restores {rdb}");
    }

    [Fact]
    public void ThePayloadsVersionIsTheTwoBytesBeforeItsChecksum()
    {
        // "\x00\x01a" (a string "a") then version 11 little-endian and an 8-byte CRC64
        byte[] payload = [0x00, 0x01, (byte)'a', 11, 0, 1, 2, 3, 4, 5, 6, 7, 8];

        Assert.Equal(11, RdbVersions.OfPayload(payload));
        Assert.Equal(-1, RdbVersions.OfPayload(payload.AsSpan(0, RdbVersions.TrailerLength)));
    }

    [Fact]
    public void APayloadNewerThanTheTargetIsRefusedNamingBothVersions()
    {
        byte[] payload = [0x00, 0x01, (byte)'a', 11, 0, 1, 2, 3, 4, 5, 6, 7, 8];
        var target = new Topology(false, [new Shard(new RedisEndpoint("127.0.0.1", 6379), [new SlotRange(0, HashSlot.Count - 1)], "")], "7.0.15");

        var error = Assert.Throws<RdbVersionException>(() => RdbVersions.EnsureRestorable(payload, target));

        Assert.Equal(11, error.PayloadVersion);
        Assert.Equal(10, error.TargetVersion);
        Assert.Contains("Redis 7.2 or newer", error.Message, StringComparison.Ordinal);
        var explained = RdbVersions.ExplainRestoreError("ERR DUMP payload version or checksum are wrong", "k"u8, payload, target);
        Assert.IsType<RdbVersionException>(explained);
        Assert.Null(RdbVersions.ExplainRestoreError("OOM command not allowed", "k"u8, payload, target));
    }

    [Fact]
    public void AnOldPayloadRefusedByTheTargetIsCalledCorruptNotTooNew()
    {
        byte[] payload = [0x00, 0x01, (byte)'a', 9, 0, 1, 2, 3, 4, 5, 6, 7, 8];
        var target = new Topology(false, [new Shard(new RedisEndpoint("127.0.0.1", 6379), [new SlotRange(0, HashSlot.Count - 1)], "")], "7.0.15");

        var explained = RdbVersions.ExplainRestoreError("ERR DUMP payload version or checksum are wrong", "user:1"u8, payload, target);

        Assert.NotNull(explained);
        Assert.Contains("user:1", explained.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt", explained.Message, StringComparison.Ordinal);
    }
}
