using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using StackExchange.Redis;

namespace DistributedCopy.Grains;

/// <summary>Membership timings. The defaults detect a dead silo in under 5 s; raise them where long GC pauses happen.</summary>
public sealed record MembershipTimings
{
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    public int MissedProbesLimit { get; init; } = 2;

    public TimeSpan DeathVoteExpiration { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan TableRefresh { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan IAmAlivePublish { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Orleans' own defaults: slower to notice a dead silo, safe with long GC pauses.</summary>
    public static MembershipTimings Relaxed { get; } = new()
    {
        ProbeTimeout = TimeSpan.FromSeconds(5),
        MissedProbesLimit = 3,
        DeathVoteExpiration = TimeSpan.FromSeconds(120),
        TableRefresh = TimeSpan.FromSeconds(60),
        IAmAlivePublish = TimeSpan.FromMinutes(5),
        ResponseTimeout = TimeSpan.FromSeconds(30),
    };
}
