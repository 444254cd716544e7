using System.CommandLine;
using DistributedCopy.Abstractions;
using DistributedCopy.Core;
using DistributedCopy.Grains;

namespace DistributedCopy.Cli;

/// <summary>Options of copy and verify: the two endpoints and how to reach them, and how the job runs.</summary>
public sealed partial class CopyOptionsSet
{
    public Option<string> Source { get; } = new("--source") { Description = "Source: host:port[,host2:port,...][,user=...,ssl=True,password=...] or redis[s]://[user:password@]host:port[/db]. In a connection string the password runs to the next known option (so it may hold commas; list seeds before it); in a URI percent-encode @ : / , % and spaces. Better: --source-password-env or --source-password-file.", Required = true };

    public Option<string> Target { get; } = new("--target") { Description = "Target, in the same forms.", Required = true };

    public PasswordOptions SourcePassword { get; } = new("source");

    public PasswordOptions TargetPassword { get; } = new("target");

    public Option<string> SourceMode { get; } = new("--source-mode") { Description = "What the source must be: auto, cluster or standalone.", DefaultValueFactory = _ => "auto" };

    public Option<string> TargetMode { get; } = new("--target-mode") { Description = "What the target must be: auto, cluster or standalone.", DefaultValueFactory = _ => "auto" };

    public Option<string?> SourceCa { get; } = new("--source-ca") { Description = "PEM file of the CA that signed the source's TLS certificate (default: the system's trust store)." };

    public Option<string?> TargetCa { get; } = new("--target-ca") { Description = "PEM file of the CA that signed the target's TLS certificate." };

    public Option<bool> Insecure { get; } = new("--insecure-skip-verify") { Description = "Accept any TLS certificate. For test setups only." };

    public Option<string> Mode { get; } = new("--mode")
    {
        Description = "How keys are written: auto (RESTORE where the target takes the payload, by type where it does not: a newer RDB version, a type or RESTORE it lacks), dump (RESTORE only) or typed (by type only: SET, HSET, SADD, ZADD, RPUSH, XADD).",
        DefaultValueFactory = _ => "auto",
    };

    public Option<string> BigKeySize { get; } = new("--big-key-size")
    {
        Description = "Keys whose MEMORY USAGE is above this are copied (auto and typed modes) and verified by type a chunk at a time under a temporary name, instead of by one DUMP held whole in memory: bytes, or with KB, MB or GB (1024-based); 0 for never.",
        DefaultValueFactory = _ => $"{JobSpecMapping.EngineDefaults.BigKeyBytes / (1024 * 1024)}MB",
    };

    public Option<string> ReadFrom { get; } = new("--read-from")
    {
        Description = "Where the source's keys are read (listed, dumped, counted; a sync's notifications too): master, or replica (an online replica of each master, to spare the masters; writes such as a cutover's pause still go to the masters).",
        DefaultValueFactory = _ => "master",
    };

    public Option<string> Policy { get; } = new("--policy") { Description = "A key the target already has: replace, skip-existing or fail-on-existing (checked before anything is written).", DefaultValueFactory = _ => "replace" };

    public Option<int> Workers { get; } = new("--workers") { Description = "Worker grains (spread over the silos).", DefaultValueFactory = _ => JobSpec.Defaults.Workers };

    public Option<int> BatchSize { get; } = new("--batch-size") { Description = "Keys per pipelined DUMP/RESTORE batch.", DefaultValueFactory = _ => JobSpecMapping.EngineDefaults.BatchSize };

    public Option<int> Pipelines { get; } = new("--pipelines") { Description = "Batches in flight per source shard and worker.", DefaultValueFactory = _ => JobSpecMapping.EngineDefaults.PipelinesPerShard };

    public Option<string?> JobIdOption { get; } = new("--job-id") { Description = "The job's id (default: generated and printed)." };

    public Option<int[]> Databases { get; } = new("--db") { Description = "Standalone source: the databases to copy (default: all that hold keys).", AllowMultipleArgumentsPerToken = true };

    public Option<double> Timeout { get; } = new("--timeout") { Description = "Seconds each network operation (connect, TLS, AUTH, each read and write) may take before it counts as failed and is retried.", DefaultValueFactory = _ => 10 };

    public Option<double> RetryBudget { get; } = new("--retry-budget") { Description = "Seconds a batch may go on failing (dropped or stalled connections, failovers) before the job pauses with the last error and dcopy exits 5 (0: at the first failure).", DefaultValueFactory = _ => JobSpecMapping.EngineDefaults.RetryBudget.TotalSeconds };

    public Option<long> TtlTolerance { get; } = new("--ttl-tolerance") { Description = "Verify: milliseconds by which TTLs may differ.", DefaultValueFactory = _ => JobSpec.Defaults.TtlToleranceMs };

    public Option<int> Examples { get; } = new("--examples") { Description = "Verify: example keys shown per kind of difference.", DefaultValueFactory = _ => JobSpec.Defaults.MaxExamples };

    public Option<bool> AllowEviction { get; } = new("--allow-eviction") { Description = "Start even though the target evicts keys when full (maxmemory with a policy other than noeviction); any eviction during the job still pauses it." };

    public Option<int> MaxRate { get; } = new("--max-rate") { Description = "Keys per second the job copies (or compares) at most, shared by its workers, to spare a busy source; 0: no limit.", DefaultValueFactory = _ => 0 };

    public Option<double> MaxSourceLatency { get; } = new("--max-source-latency")
    {
        Description = "Milliseconds the source may take to answer a PING while the job copies: above it the workers slow down, below it they speed up again (up to --max-rate); 0: no adaptive rate.",
        DefaultValueFactory = _ => 0,
    };

    public Option<bool> AllowOverMemory { get; } = new("--allow-over-memory") { Description = "Start even though the source's estimated size is above a target master's free memory." };

    /// <summary>--match, --exclude, --rename, --db-map.</summary>
    public SelectionOptions Selection { get; } = new();

    public CopyOptionsSet()
    {
        SourceMode.AcceptOnlyFromAmong("auto", "cluster", "standalone");
        TargetMode.AcceptOnlyFromAmong("auto", "cluster", "standalone");
        Policy.AcceptOnlyFromAmong("replace", "skip-existing", "fail-on-existing");
        Mode.AcceptOnlyFromAmong("auto", "dump", "typed");
        ReadFrom.AcceptOnlyFromAmong("master", "replica");
    }

    /// <summary>Adds every option to <paramref name="command"/>; <paramref name="filters"/> and <paramref name="preset"/> false leave those of the selection out.</summary>
    public void AddTo(Command command, bool filters = true, bool preset = true)
    {
        foreach (var option in new Option[] { Source, Target, SourceMode, TargetMode, SourceCa, TargetCa, Insecure, Mode, BigKeySize, ReadFrom, Policy, Workers, BatchSize, Pipelines, JobIdOption, Databases, Timeout, RetryBudget, TtlTolerance, Examples, AllowEviction, AllowOverMemory, MaxRate, MaxSourceLatency })
        {
            command.Options.Add(option);
        }
        Selection.AddTo(command, filters, databaseMap: true, preset);
        SourcePassword.AddTo(command);
        TargetPassword.AddTo(command);
    }

    /// <summary>Checks the values and connects to both sides: every problem surfaces here, before a job exists.</summary>
    public async Task<(JobSpec Spec, SideInfo Source, SideInfo Target)> PrepareAsync(ParseResult parse, JobKind kind, bool verifyAfter, CancellationToken cancellationToken)
    {
        if (parse.GetValue(Source)!.StartsWith(FileCopy.Scheme, StringComparison.Ordinal))
        {
            throw new CliException(ExitCodes.BadInput, $"--source: `dcopy {kind.ToString().ToLowerInvariant()}` reads a Redis source; an RDB file is loaded by `dcopy copy` (and a load is checked against a server started on the file)");
        }
        var settings = CheckSettings(parse, kind);
        var (source, sourceRef) = SourcePassword.Apply(parse, EndpointParser.Parse(parse.GetValue(Source)!, "source", parse.GetValue(SourceCa), parse.GetValue(Insecure)) with { Timeout = settings.Timeout });
        if (parse.GetValue(CliOptions.Control) is not null)
        {
            // the spec goes to the control Redis, shared by every silo: a password typed on the command line would be stored there
            RefuseTypedPassword(source, sourceRef, "source");
        }
        var rules = Selection.Parse(parse);
        var policy = parse.GetValue(Policy)!;
        var sourceInfo = await Preflight.InspectAsync(source, "source", parse.GetValue(SourceMode)!, cancellationToken);
        var targetInfo = await Preflight.InspectAsync(settings.Target, "target", parse.GetValue(TargetMode)!, cancellationToken);
        Preflight.CheckPair(sourceInfo, targetInfo, kind == JobKind.Verify ? "replace" : policy, ModeOf(parse));
        var databases = parse.GetValue(Databases) ?? [];
        if (sourceInfo.Topology.IsCluster && databases.Any(d => d != 0))
        {
            throw new CliException(ExitCodes.BadInput, "--db: the source is a cluster; it has only database 0");
        }
        await SelectionOptions.CheckAsync(rules.Selection, sourceInfo, targetInfo, cancellationToken);
        if (!sourceInfo.Topology.IsCluster)
        {
            databases = await ChooseDatabasesAsync(sourceInfo, targetInfo, databases, rules.Selection, cancellationToken);
            // the source's key count is that of the databases copied, not of the one its endpoint names
            if (databases.Length > 1 || (databases.Length == 1 && databases[0] != sourceInfo.Endpoint.Database))
            {
                var held = await Topology.DatabasesAsync(sourceInfo.Endpoint, cancellationToken);
                sourceInfo = sourceInfo with { Keys = held.Where(d => databases.Contains(d.Database)).Sum(d => d.Keys) };
            }
        }
        Preflight.CheckNotSameServer(sourceInfo, targetInfo, databases, rules.Selection);
        var spec = NewSpec(parse, kind, settings, Endpoints.FromCore(source, sourceRef), databases, rules, verifyAfter);
        if (spec.ReadFromReplica)
        {
            await Preflight.CheckReplicasAsync(sourceInfo, cancellationToken);
        }
        return (spec, sourceInfo, targetInfo);
    }

    /// <summary>
    /// The databases of a standalone source to copy: --db, else the one its endpoint names, else all that hold keys.
    /// Several may only go to a standalone target whose endpoint names none (each into the same number).
    /// </summary>
    private static async Task<int[]> ChooseDatabasesAsync(SideInfo source, SideInfo target, int[] chosen, KeySelection selection, CancellationToken cancellationToken)
    {
        if (chosen.Length == 0)
        {
            chosen = source.Endpoint.NamesDatabase ? [source.Endpoint.Database] : [.. (await Topology.DatabasesAsync(source.Endpoint, cancellationToken)).Select(d => d.Database)];
        }
        // --db-map names where each database goes (several may go into one); a database it does not name keeps its number
        if (target.Topology.IsCluster && chosen.Any(d => (selection.TargetDatabase(d) ?? d) != 0))
        {
            var unmapped = chosen.Where(d => (selection.TargetDatabase(d) ?? d) != 0).ToList();
            throw new CliException(ExitCodes.BadInput, $"the source holds keys in databases {string.Join(", ", chosen)}, but a cluster target has only database 0: merge them with --db-map '*=0' (or {string.Join(",", unmapped.Select(d => $"{d}=0"))}), or copy one at a time with --db");
        }
        if (chosen.Length > 1 && target.Endpoint.NamesDatabase && chosen.Any(d => selection.TargetDatabase(d) is null))
        {
            throw new CliException(ExitCodes.BadInput, $"the source holds keys in databases {string.Join(", ", chosen)}, but the target names database {target.Endpoint.Database}: merge them with --db-map '*={target.Endpoint.Database}', or copy one at a time with --db");
        }
        return chosen;
    }

    private static void RefuseTypedPassword(RedisEndpoint endpoint, string? reference, string side)
    {
        if (endpoint.Password is not null && reference is null)
        {
            throw new CliException(ExitCodes.BadInput,
                $"--{side}: with --control the job is stored in the control Redis, so its password must be a reference: give it with --{side}-password-env or --{side}-password-file (each silo resolves it from its own environment or files)");
        }
    }

    private static void Range(int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            throw new CliException(ExitCodes.BadInput, $"{name} takes a number from {min} to {max}");
        }
    }
}
