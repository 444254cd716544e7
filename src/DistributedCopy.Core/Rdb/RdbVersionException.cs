namespace DistributedCopy.Core.Rdb;

/// <summary>A payload's RDB version is newer than the target restores.</summary>
public sealed class RdbVersionException(int payloadVersion, int targetVersion, string targetRedisVersion)
    : CopyException($"the source's DUMP payloads are RDB version {payloadVersion}, newer than the target (Redis {targetRedisVersion}) restores (RDB version {targetVersion} or older); copy to a target of Redis {RdbVersions.MinimumRedisFor(payloadVersion)} or newer")
{
    public int PayloadVersion { get; } = payloadVersion;

    public int TargetVersion { get; } = targetVersion;
}
