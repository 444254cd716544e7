namespace DistributedCopy.Core.Resp;

/// <summary>A protocol or server error on a RESP connection. Messages never carry credentials.</summary>
public class RespException(string message, Exception? inner = null) : Exception(message, inner);
