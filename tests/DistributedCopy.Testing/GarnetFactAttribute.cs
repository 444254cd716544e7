namespace DistributedCopy.Testing;

/// <summary>A fact that needs Garnet and Redis: skipped with the reason when either is missing, unless CI=true (then it runs and fails).</summary>
public sealed class GarnetFactAttribute : Xunit.FactAttribute
{
    public GarnetFactAttribute()
    {
        if (GarnetServer.MissingReason is { } reason && !RedisBinaries.IsCi)
        {
            Skip = reason;
        }
    }
}
