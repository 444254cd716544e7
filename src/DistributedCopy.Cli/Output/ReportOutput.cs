namespace DistributedCopy.Cli;

/// <summary>
/// Where a command's human report goes: stdout, as the command's output (`> report.txt` keeps it); stderr when --json puts
/// the JSON line on stdout alone.
/// </summary>
internal static class ReportOutput
{
    public static TextWriter To(bool json) => json ? Console.Error : Console.Out;
}
