namespace DistributedCopy.Core.Resp;

/// <summary>The TLS handshake failed (untrusted certificate, wrong host name, no TLS on that port).</summary>
public sealed class RedisTlsException(string message, Exception? inner = null) : RespException(message, inner);
