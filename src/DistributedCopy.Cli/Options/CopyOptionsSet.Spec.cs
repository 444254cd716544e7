using System.CommandLine;
using DistributedCopy.Abstractions;
using DistributedCopy.Grains;

namespace DistributedCopy.Cli;

// CopyOptionsSet, part 2: the values every job takes, checked before anything connects, and the job spec made of them.
public sealed partial class CopyOptionsSet
{
    /// <summary>The target, the job's id and the numbers of the command line, checked: bad input before any connection.</summary>
    /// <summary>
    /// The job's id: --job-id, else one made of the kind, the time and this process's id, taken once per process (the silo,
    /// started beside the checks, locks the job the checks then name; two dcopy started in one second get two ids).
    /// </summary>
    public string JobIdOf(ParseResult parse, JobKind kind) => parse.GetValue(JobIdOption) ?? $"{kind.ToString().ToLowerInvariant()}-{DefaultStamp}";

    private static readonly string DefaultStamp = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}");

    public JobSettings CheckSettings(ParseResult parse, JobKind kind)
    {
        var timeout = parse.GetValue(Timeout);
        if (timeout is < 0.1 or > 3600 || double.IsNaN(timeout))
        {
            throw new CliException(ExitCodes.BadInput, "--timeout takes seconds, from 0.1 to 3600");
        }
        var retryBudget = parse.GetValue(RetryBudget);
        if (retryBudget is < 0 or > 86_400 || double.IsNaN(retryBudget))
        {
            throw new CliException(ExitCodes.BadInput, "--retry-budget takes seconds, from 0 to 86400");
        }
        var (target, targetRef) = TargetPassword.Apply(parse, EndpointParser.Parse(parse.GetValue(Target)!, "target", parse.GetValue(TargetCa), parse.GetValue(Insecure)) with { Timeout = TimeSpan.FromSeconds(timeout) });
        if (parse.GetValue(CliOptions.Control) is not null)
        {
            RefuseTypedPassword(target, targetRef, "target");
        }
        Range(parse.GetValue(Workers), 1, 1024, "--workers");
        Range(parse.GetValue(BatchSize), 1, 100_000, "--batch-size");
        Range(parse.GetValue(Pipelines), 1, 64, "--pipelines");
        Range(parse.GetValue(Examples), 0, 1000, "--examples");
        Range(parse.GetValue(MaxRate), 0, 100_000_000, "--max-rate");
        if (parse.GetValue(MaxSourceLatency) is var latency && (double.IsNaN(latency) || latency < 0 || latency > 60_000 || latency is > 0 and < 0.1))
        {
            throw new CliException(ExitCodes.BadInput, "--max-source-latency takes milliseconds, 0 (none) or 0.1 to 60000");
        }
        if (parse.GetValue(TtlTolerance) < 0)
        {
            throw new CliException(ExitCodes.BadInput, "--ttl-tolerance takes milliseconds, 0 or more");
        }
        var jobId = JobIdOf(parse, kind);
        if (jobId.Length is 0 or > 100 || jobId.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            throw new CliException(ExitCodes.BadInput, "--job-id takes 1 to 100 letters, digits, '-', '_' or '.'");
        }
        return new JobSettings(jobId, target, targetRef, TimeSpan.FromSeconds(timeout), retryBudget, ByteSize.Parse(parse.GetValue(BigKeySize)!, "--big-key-size"));
    }

    /// <summary>--policy as the job stores it.</summary>
    public Abstractions.Policy PolicyOf(ParseResult parse) => parse.GetValue(Policy)! switch
    {
        "skip-existing" => Abstractions.Policy.SkipExisting,
        "fail-on-existing" => Abstractions.Policy.FailOnExisting,
        _ => Abstractions.Policy.Replace,
    };

    /// <summary>--mode as the job stores it (the one place its text is read).</summary>
    public WriteMode ModeOf(ParseResult parse) => parse.GetValue(Mode)! switch
    {
        "dump" => WriteMode.Dump,
        "typed" => WriteMode.Typed,
        _ => WriteMode.Auto,
    };

    /// <summary>The job as it is stored: <paramref name="source"/> read, <paramref name="settings"/>' target written.</summary>
    public JobSpec NewSpec(ParseResult parse, JobKind kind, JobSettings settings, EndpointSpec source, IReadOnlyList<int> databases, (string[] Match, string[] Exclude, string[] Renames, string[] DatabaseMap, string Preset, string[] Types, KeySelection Selection) rules, bool verifyAfter)
    {
        var mode = ModeOf(parse);
        var spec = new JobSpec(settings.JobId, kind, source, Endpoints.FromCore(settings.Target, settings.TargetRef))
        {
            Policy = PolicyOf(parse),
            Workers = parse.GetValue(Workers),
            BatchSize = parse.GetValue(BatchSize),
            PipelinesPerShard = parse.GetValue(Pipelines),
            VerifyAfterCopy = verifyAfter,
            TtlToleranceMs = parse.GetValue(TtlTolerance),
            MaxExamples = parse.GetValue(Examples),
            Databases = databases,
            RetryBudgetMs = (int)(settings.RetryBudget * 1000),
            Mode = mode,
            StoredModeText = mode.ToString().ToLowerInvariant(),
            BigKeyBytes = settings.BigKeyBytes,
            ReadFromReplica = parse.GetValue(ReadFrom) == "replica",
            Match = rules.Match,
            Exclude = rules.Exclude,
            Renames = rules.Renames,
            DatabaseMap = rules.DatabaseMap,
            Preset = rules.Preset,
            Types = rules.Types,
            MaxKeysPerSecond = parse.GetValue(MaxRate),
            MaxSourceLatencyMs = parse.GetValue(MaxSourceLatency),
        };
        return spec.Preset.Length > 0 && spec.Mode == WriteMode.Dump
            ? throw new CliException(ExitCodes.BadInput, $"--preset {spec.Preset} converts values, which --mode dump (RESTORE only) cannot: leave out --mode dump")
            : spec;
    }
}
