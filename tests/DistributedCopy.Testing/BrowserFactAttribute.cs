namespace DistributedCopy.Testing;

/// <summary>A fact that needs real Redis servers and Debian's chromium: skipped with the reason when either is missing, unless CI=true (then it runs and fails).</summary>
public sealed class BrowserFactAttribute : Xunit.FactAttribute
{
    public BrowserFactAttribute()
    {
        if (RedisBinaries.IsCi)
        {
            return;
        }
        if (RedisBinaries.MissingReason is { } reason)
        {
            Skip = reason;
        }
        else if (HeadlessBrowser.Executable is null)
        {
            Skip = "chromium is not installed (apt-get install -y chromium)";
        }
    }
}
