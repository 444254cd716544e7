namespace DistributedCopy.Testing;

/// <summary>A theory that needs real Redis servers, skipped or failed like <see cref="RedisFactAttribute"/>.</summary>
public sealed class RedisTheoryAttribute : Xunit.TheoryAttribute
{
    public RedisTheoryAttribute()
    {
        if (RedisBinaries.MissingReason is { } reason && !RedisBinaries.IsCi)
        {
            Skip = reason;
        }
    }
}
