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
            await using var host = await JobHost.StartAsync(parse, parse.GetValue(CliOptions.JobId)!, cancellationToken, attach: true);
            var job = await host.FindJobAsync(parse, cancellationToken);
            var before = await job.GetStatusAsync();
            if (before.IsFinished)
            {
                Console.Error.WriteLine($"job {before.JobId} had ended already ({before.Phase.ToString().ToLowerInvariant()}): nothing to cancel");
                return ExitCodes.AlreadyEnded;
            }
            var status = await job.CancelAsync();
            Console.Error.WriteLine($"job {status.JobId}: {status.Phase.ToString().ToLowerInvariant()}; what was copied stays");
            return ExitCodes.Success;
        });
        return command;
    }
}
