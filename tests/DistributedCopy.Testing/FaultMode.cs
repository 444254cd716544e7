namespace DistributedCopy.Testing;

/// <summary>What a <see cref="FaultProxy"/> does with its connections.</summary>
public enum FaultMode
{
    /// <summary>Bytes flow both ways (after <see cref="FaultProxy.Delay"/>, if set).</summary>
    Forward,

    /// <summary>Connections stay open and bytes are held, not dropped, as on a stalled network or a frozen VM; they flow again on Forward.</summary>
    Stall,

    /// <summary>New connections are accepted and reset at once; open ones go on.</summary>
    Refuse,
}
