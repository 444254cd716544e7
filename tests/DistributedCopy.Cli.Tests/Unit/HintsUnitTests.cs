using System.CommandLine;

namespace DistributedCopy.Cli.Tests.Unit;

/// <summary>What a printed follow-up command carries to reach the same job, and never a password.</summary>
public sealed class HintsUnitTests
{
    public static TheoryData<string[], string> CommandLines => new()
    {
        { [], "" },
        { ["--state-dir", "/var/lib/dcopy"], " --state-dir /var/lib/dcopy" },
        { ["--state-dir", "/tmp/my state"], " --state-dir '/tmp/my state'" },
        { ["--control", "ctl:6379"], " --control ctl:6379" },
        { ["--control", "ctl:6379", "--cluster-id", "dcopy"], " --control ctl:6379" },
        { ["--control", "rediss://copier:s3cr3t-pw@ctl:6380", "--cluster-id", "blue"], " --control rediss://ctl:6380 --cluster-id blue" },
        { ["--control", "ctl:6379,password=s3cr3t-pw", "--control-password-file", "/run/keys/ctl"], " --control ctl:6379 --control-password-file /run/keys/ctl" },
        { ["--control", "ctl:6379", "--control-password-env", "CTL_PW", "--state-dir", "/ignored"], " --control ctl:6379 --control-password-env CTL_PW" },
    };

    [Theory]
    [MemberData(nameof(CommandLines))]
    public void AFollowUpCarriesTheStateDirectoryOrTheSiloClusterAndWhereItsPasswordComesFrom(string[] commandLine, string expected)
    {
        var command = new Command("status");
        command.Options.Add(CliOptions.StateDir);
        command.Options.Add(CliOptions.Control);
        command.Options.Add(CliOptions.ClusterId);
        CliOptions.ControlPassword.AddTo(command);

        var hint = Hints.Where(command.Parse(commandLine));

        Assert.Equal(expected, hint);
        Assert.DoesNotContain("s3cr3t", hint, StringComparison.Ordinal);
    }
}
