using System.CommandLine;

namespace DistributedCopy.Cli;

/// <summary>`dcopy cancel`: stop a job; what is copied stays copied.</summary>
public static class CancelCommand
{
    public static Command Create()
    {
        var command = new Command("cancel", "Cancel a job; what is copied stays copied.") { CliOptions.JobId };
        command.WithHostOptions();
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var host = await JobHost.StartAsync(parse, cancellationToken, attach: true);
            var status = await (await host.FindJobAsync(parse)).CancelAsync();
            Console.Error.WriteLine($"job {status.JobId}: {status.Phase.ToString().ToLowerInvariant()}");
            return ExitCodes.Success;
        });
        return command;
    }
}
