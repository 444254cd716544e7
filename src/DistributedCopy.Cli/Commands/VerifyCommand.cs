using System.CommandLine;
using DistributedCopy.Abstractions;

namespace DistributedCopy.Cli;

/// <summary>`dcopy verify`: the copy command's endpoints and options, comparing source and target instead of copying.</summary>
public static class VerifyCommand
{
    public static Command Create() => CopyCommand.Create(JobKind.Verify);
}
