namespace DistributedCopy.Core;

/// <summary>How keys are written to the target.</summary>
public enum CopyMode
{
    /// <summary>RESTORE of the DUMP payload where the target takes it; by type for payloads it refuses (a newer RDB version, a type it does not restore, no permission).</summary>
    Auto,

    /// <summary>RESTORE only: a payload the target refuses stops the copy.</summary>
    Dump,

    /// <summary>By type only: read with GET, HGETALL, SMEMBERS, ZRANGE, LRANGE, XRANGE; written with SET, HSET, SADD, ZADD, RPUSH, XADD.</summary>
    Typed,
}
