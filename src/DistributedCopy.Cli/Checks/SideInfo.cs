using DistributedCopy.Core.Resp;

namespace DistributedCopy.Cli;

/// <summary>What dcopy learns about both sides before it writes anything; every problem becomes a one-line error and its exit code.</summary>
public sealed record SideInfo(RedisEndpoint Endpoint, Topology Topology, long Keys);
