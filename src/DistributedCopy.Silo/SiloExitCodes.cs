namespace DistributedCopy.Silo;

/// <summary>The silo host's exit codes, one per outcome an orchestrator may act on.</summary>
public static class SiloExitCodes
{
    /// <summary>Shut down when asked (SIGTERM, Ctrl+C), or printed its help.</summary>
    public const int Success = 0;

    /// <summary>An option or its environment fallback is invalid, or a password file or variable is missing. Nothing was started.</summary>
    public const int BadInput = 2;

    /// <summary>The silo could not start: the control Redis unreachable, a port in use, a cluster that refused it.</summary>
    public const int CannotStart = 3;
}
