namespace DistributedCopy.Testing;

/// <summary>A fact that needs real Redis servers and tmux (a terminal to look at): skipped with the reason when either is missing, unless CI=true (then it runs and fails).</summary>
public sealed class TerminalFactAttribute : Xunit.FactAttribute
{
    public TerminalFactAttribute()
    {
        if (RedisBinaries.IsCi)
        {
            return;
        }
        if (RedisBinaries.MissingReason is { } reason)
        {
            Skip = reason;
        }
        else if (Terminal.Executable is null)
        {
            Skip = "tmux is not installed (apt-get install -y tmux)";
        }
    }
}
