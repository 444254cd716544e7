namespace DistributedCopy.Core.Resp;

/// <summary>A protocol or server error on a RESP connection. Messages never carry credentials.</summary>
public class RespException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The server answered with an error reply (its text starts with the error code, e.g. MOVED, BUSYKEY, OOM).</summary>
public sealed class RedisErrorException(string serverText) : RespException(serverText)
{
    public string Code => Message.Split(' ', 2)[0];
}

/// <summary>The node could not be reached, or the connection dropped.</summary>
public sealed class RedisConnectException(string message, Exception? inner = null) : RespException(message, inner);

/// <summary>The node refused the credentials.</summary>
public sealed class RedisAuthException(string message) : RespException(message);

/// <summary>The TLS handshake failed (untrusted certificate, wrong host name, no TLS on that port).</summary>
public sealed class RedisTlsException(string message, Exception? inner = null) : RespException(message, inner);
