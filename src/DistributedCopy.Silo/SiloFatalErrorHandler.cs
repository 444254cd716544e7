using Orleans.Runtime;

namespace DistributedCopy.Silo;

/// <summary>
/// When Orleans gives up on this silo (the cluster declared it dead: it could not be reached, for instance because its
/// TLS certificate is not from the cluster's CA), one line on stderr and exit 3, instead of Orleans' default
/// Environment.FailFast (exit 134 and a crash dump). The cluster's other silos carry on; the job's leases move to them.
/// </summary>
internal sealed class SiloFatalErrorHandler : IFatalErrorHandler
{
    private int _stopping;

    public bool IsUnexpected(Exception exception) => true;

    public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null)
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 1)
        {
            return;
        }
        var reason = (context ?? exception?.Message ?? "a fatal error").Split('\n')[0];
        // the membership view that follows the reason names every silo: the reason alone is the line
        var cut = reason.IndexOf(" Membership:", StringComparison.Ordinal);
        Console.Error.WriteLine($"dcopy-silo: stopped by the cluster: {(cut > 0 ? reason[..cut] : reason)}");
        Console.Error.Flush();
        Environment.Exit(SiloExitCodes.CannotStart);
    }
}
