using System.CommandLine;

namespace DistributedCopy.Cli;

/// <summary>`dcopy resume`: continue a job from its checkpoints.</summary>
public static class ResumeCommand
{
    public static Command Create()
    {
        var command = new Command("resume", "Continue a job from its checkpoints: after a crash, an interruption, a pause or a failure.") { CliOptions.JobId };
        command.WithHostOptions().WithOutputOptions();
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var host = await JobHost.StartAsync(parse, parse.GetValue(CliOptions.JobId)!, cancellationToken);
            var job = await host.FindJobAsync(parse, cancellationToken);
            var status = await job.ResumeAsync();
            Console.Error.WriteLine($"job {status.JobId}: resuming at {JobWatcher.Done(status)}, {status.Copied.Keys:N0} keys copied");
            return await new JobWatcher(job, parse.GetValue(CliOptions.Progress)!, TimeSpan.FromSeconds(parse.GetValue(CliOptions.Interval)), parse.GetValue(CliOptions.Json), Hints.Where(parse), "resume")
                .WatchAsync(host.Embedded, cancellationToken);
        });
        return command;
    }
}
