namespace DistributedCopy.Core.Resp;

/// <summary>The node refused the credentials.</summary>
public sealed class RedisAuthException(string message) : RespException(message);
