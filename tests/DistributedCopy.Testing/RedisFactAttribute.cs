namespace DistributedCopy.Testing;

/// <summary>A fact that needs real Redis servers: skipped with the reason when they are missing, unless CI=true (then it runs and fails).</summary>
public sealed class RedisFactAttribute : Xunit.FactAttribute
{
    public RedisFactAttribute()
    {
        if (RedisBinaries.MissingReason is { } reason && !RedisBinaries.IsCi)
        {
            Skip = reason;
        }
    }
}
