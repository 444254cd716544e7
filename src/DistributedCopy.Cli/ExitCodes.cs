namespace DistributedCopy.Cli;

/// <summary>dcopy's exit codes, one per outcome an operator's script may branch on.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Verify ran and found differences (missing keys, other values, TTL drift).</summary>
    public const int DifferencesFound = 1;

    /// <summary>Invalid options or endpoints, a shape other than asked, a target that is not empty under fail-on-existing, a target too old, an unknown job. Nothing was written.</summary>
    public const int BadInput = 2;

    /// <summary>A source, target or control server could not be reached (refused, timed out, TLS handshake failed). Nothing was written.</summary>
    public const int CannotConnect = 3;

    /// <summary>A server refused the user or password. Nothing was written.</summary>
    public const int AuthFailed = 4;

    /// <summary>The job failed or paused on an error; its checkpoints are kept and `dcopy resume` continues it.</summary>
    public const int JobFailed = 5;

    /// <summary>The job was cancelled, or dcopy was interrupted (Ctrl+C); an interrupted job resumes with `dcopy resume`.</summary>
    public const int Cancelled = 6;

    /// <summary>A cutover without paused writes (or with a pause refused) ended with the target behind: the report gives the lag.</summary>
    public const int Behind = 7;

    /// <summary>`dcopy cancel` of a job that had ended already (completed, failed or cancelled): nothing was done.</summary>
    public const int AlreadyEnded = 8;
}
