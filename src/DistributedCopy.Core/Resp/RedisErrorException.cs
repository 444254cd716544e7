namespace DistributedCopy.Core.Resp;

/// <summary>The server answered with an error reply (its text starts with the error code, e.g. MOVED, BUSYKEY, OOM).</summary>
public sealed class RedisErrorException(string serverText) : RespException(serverText)
{
    public string Code => Message.Split(' ', 2)[0];
}
