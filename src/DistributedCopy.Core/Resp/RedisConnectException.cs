namespace DistributedCopy.Core.Resp;

/// <summary>The node could not be reached, or the connection dropped.</summary>
public sealed class RedisConnectException(string message, Exception? inner = null) : RespException(message, inner);
