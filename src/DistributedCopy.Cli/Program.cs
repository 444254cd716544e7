using System.CommandLine;
using DistributedCopy.Abstractions;
using DistributedCopy.Cli;
using DistributedCopy.Core;
using DistributedCopy.Grains;

var root = new RootCommand("dcopy: copy a Redis or Redis Cluster cache to another, by hash slot, restartable from checkpoints.")
{
    CopyCommand.Create(JobKind.Copy),
    PlanCommand.Create(),
    StatusCommand.Create(),
    ResumeCommand.Create(),
    CancelCommand.Create(),
    VerifyCommand.Create(),
    SyncCommand.Create(),
    CutoverCommand.Create(),
    ExportCommand.Create(),
};
var parse = root.Parse(args);
if (parse.Errors.Count > 0)
{
    // one line, whatever the parser's message looks like ("must be one of" lists values on lines of their own)
    Console.Error.WriteLine("dcopy: " + string.Join(' ', parse.Errors[0].Message.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        + " (dcopy --help)");
    return ExitCodes.BadInput;
}
try
{
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (CliException ex)
{
    Console.Error.WriteLine("dcopy: " + ex.Message);
    return ex.ExitCode;
}
catch (EndpointTextException ex)
{
    Console.Error.WriteLine("dcopy: " + ex.Message);
    return ExitCodes.BadInput;
}
catch (RedisAuthException ex)
{
    Console.Error.WriteLine("dcopy: " + ex.Message);
    return ExitCodes.AuthFailed;
}
catch (Exception ex) when (ex is RespException or IOException)
{
    Console.Error.WriteLine("dcopy: " + ex.Message);
    return ExitCodes.CannotConnect;
}
catch (CopyException ex)
{
    Console.Error.WriteLine("dcopy: " + ex.Message);
    return ExitCodes.JobFailed;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("dcopy: interrupted");
    return ExitCodes.Cancelled;
}
catch (Exception ex) when (ex is OrleansException or TimeoutException)
{
    Console.Error.WriteLine("dcopy: " + ex.Message.Split('\n')[0]);
    return ExitCodes.JobFailed;
}
