using System.CommandLine;
using System.Text.Json;
using DistributedCopy.Abstractions;
using DistributedCopy.Core.Resp;

namespace DistributedCopy.Cli;

/// <summary>`dcopy plan`: what a copy would do, from the same checks and planner, with nothing written anywhere.</summary>
public static class PlanCommand
{
    /// <summary>Where plan's report goes: stdout, or stderr when --json puts the JSON on stdout.</summary>
    public static TextWriter Report(ParseResult parse) => ReportOutput.To(parse.GetValue(CliOptions.Json));

    public static Command Create()
    {
        var options = new CopyOptionsSet();
        var command = new Command("plan", "Dry run: both sides' shape, versions and key counts, the partitions a copy would make, estimated bytes, and the checks a copy makes first, and per type the source holds whether the target RESTOREs it. Writes nothing but one probe key per type on the target, restored and deleted at once (60 s TTL).");
        options.AddTo(command);
        command.Options.Add(CliOptions.Json);
        var verbose = new Option<bool>("--verbose") { Description = "List every partition (by default: their count and sizes)." };
        command.Options.Add(verbose);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (FileCopy.IsFile(parse, options))
            {
                return await FileCopy.PlanAsync(parse, options, cancellationToken);
            }
            // the report is the command's output (stdout, so `dcopy plan > plan.txt` keeps it); with --json, the JSON is, and the report goes to stderr
            var report = Report(parse);
            var (spec, source, target) = await options.PrepareAsync(parse, JobKind.Copy, false, cancellationToken);
            var view = await ClusterView.OpenAsync(source.Endpoint, new Dictionary<string, string>(), cancellationToken);
            var partitions = await SlotPlanner.PlanAsync(view, spec.Workers * spec.PartitionsPerWorker, spec.Databases, cancellationToken);
            var mode = spec.Mode;
            var bigKeyBytes = mode == WriteMode.Dump ? 0 : spec.BigKeyBytes ?? 0;
            var (sampled, bytesPerKey, big) = await SampleBytesPerKeyAsync(source, bigKeyBytes, cancellationToken);
            var estimate = (long)(bytesPerKey * source.Keys);
            report.WriteLine($"source  {CopyCommand.Describe(source)}, RDB version {source.Topology.RdbVersion}");
            report.WriteLine($"target  {CopyCommand.Describe(target)}, RDB version {target.Topology.RdbVersion}");
            var newer = source.Topology.RdbVersion > target.Topology.RdbVersion;
            report.WriteLine($"check   RDB version {source.Topology.RdbVersion} → {target.Topology.RdbVersion}: {(newer ? "newer than the target restores" : "ok")}; target {(target.Keys == 0 ? "is empty" : $"already holds {target.Keys:N0} keys (policy {parse.GetValue(options.Policy)})")}");
            report.WriteLine($"write   {WriteWay(mode, newer)}");
            // what the target really restores, per type the source holds (a probe key per type, restored and deleted)
            var probes = mode == WriteMode.Typed ? [] : await RestoreProbe.ProbeAsync(
                source.Topology.IsCluster ? source.Topology.Shards.Select(s => s.Master).ToList() : [source.Endpoint], target.Topology, target.Endpoint, cancellationToken);
            foreach (var probe in probes)
            {
                report.WriteLine($"          {probe.Type}: {(probe.Restores ? "RESTORE" : mode == WriteMode.Dump ? "refused: --mode dump stops at the first such key" : "by type")} ({probe.Reason})");
            }
            report.WriteLine($"size    about {estimate / 1e6:F1} MB in the source's memory ({bytesPerKey:F0} bytes a key by MEMORY USAGE of {sampled} sampled keys); the copy counts DUMP payload bytes, usually fewer");
            report.WriteLine($"big     {BigKeys(mode, bigKeyBytes, big, sampled)}");
            var memory = await MemoryCheck.ReadAsync(target, cancellationToken);
            foreach (var line in MemoryCheck.Lines(memory, estimate))
            {
                report.WriteLine($"memory  {line}");
            }
            var selection = await SelectionPlan.DescribeAsync(KeySelection.Parse(spec.Match, spec.Exclude, spec.Renames, spec.DatabaseMap, spec.Preset, spec.Types), source, cancellationToken);
            foreach (var line in selection?.Lines ?? [])
            {
                report.WriteLine(line);
            }
            // read from replicas: they are the nodes listed, dumped and followed (their notifications too)
            var readNodes = spec.ReadFromReplica ? await Preflight.CheckReplicasAsync(source, cancellationToken) : null;
            report.WriteLine($"read    {(readNodes is null ? "from the masters" : "from replicas: " + string.Join(", ", readNodes.Select(r => $"{r.ReadNode.Address} (of {r.Master.Address})")))}");
            var notifications = await NotificationSettings.ReadAsync(readNodes is not null ? [.. readNodes.Select(r => r.ReadNode)] : source.Topology.IsCluster ? [.. source.Topology.Shards.Select(s => s.Master)] : [source.Endpoint], cancellationToken);
            var syncReady = notifications.All(n => n.Missing == "");
            report.WriteLine($"sync    {SyncLine(notifications)}");
            var canaries = await CanaryProbe.TryAsync(source.Topology, source.Endpoint, cancellationToken);
            var canaryAllowed = canaries.All(c => c.Refused is null);
            report.WriteLine("canary  " + (canaryAllowed
                ? $"dcopy sync can prove its change feeds: a canary (a dcopy:canary:* key set and deleted in one MULTI, about once a second) was written on {canaries.Count} master(s), nothing left behind"
                : $"the canary is refused on {string.Join("; ", canaries.Where(c => c.Refused is not null).Select(c => $"{c.Master.Address} ({c.Refused})"))}: allow dcopy's user to write dcopy:canary:* keys (ACL ~dcopy:canary:* +multi +set +del +exec), or sync with --no-canary (then a cutover needs --pause-writes and compares every slot)"));
            // the replica's handshake only (REPLCONF): PSYNC would make the master fork for a snapshot
            var replicationRefused = await Core.Replication.ReplicationCheck.ProbeAsync(source.Endpoint, source.Topology, cancellationToken);
            report.WriteLine("stream  " + (replicationRefused is null
                ? $"dcopy sync --capture replication can follow {source.Endpoint.Address} as a replica (it took a replica's handshake): every write in order, resumed from its offset, no notifications or canary needed"
                : $"dcopy sync --capture replication cannot follow this source: {replicationRefused}"));
            report.WriteLine("rate    " + (spec.MaxKeysPerSecond > 0
                ? $"at most {spec.MaxKeysPerSecond:N0} keys/s ({Math.Max(1, spec.MaxKeysPerSecond / Math.Min(spec.Workers, Math.Max(1, partitions.Count))):N0} per busy worker): about {TimeSpan.FromSeconds(Math.Ceiling(source.Keys / (double)spec.MaxKeysPerSecond)):c} for {source.Keys:N0} keys"
                : "no limit (--max-rate caps the keys per second read from the source)")
                + (spec.MaxSourceLatencyMs > 0
                    ? $"; adaptive: the workers slow down while a source node takes over {spec.MaxSourceLatencyMs:0.###} ms to answer a PING (probed every 100 ms), never below {Core.CopyOptions.AdaptiveFloorKeysPerSecond} keys/s each"
                    : "; not adaptive (--max-source-latency MS slows the copy while the source answers slower than that)"));
            if (parse.GetValue(verbose) || partitions.Count <= 4)
            {
                report.WriteLine($"plan    {partitions.Count} partition(s) for {spec.Workers} workers:");
                foreach (var p in partitions)
                {
                    report.WriteLine(p.Database >= 0 ? $"          database {p.Database}: {p.Keys:N0} keys" : $"          slots {p.StartSlot}-{p.EndSlot}: {p.Keys:N0} keys");
                }
            }
            else
            {
                var sizes = partitions.Select(p => p.Keys).Order().ToList();
                report.WriteLine($"plan    {partitions.Count} partitions for {spec.Workers} workers, {sizes[0]:N0} to {sizes[^1]:N0} keys each (median {sizes[sizes.Count / 2]:N0}); --verbose lists them");
            }
            if (parse.GetValue(CliOptions.Json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    source = Side(source),
                    target = Side(target),
                    estimatedBytes = estimate,
                    mode = mode.ToString().ToLowerInvariant(),
                    write = WriteWay(mode, newer),
                    bigKeyBytes,
                    syncReady,
                    canaryAllowed,
                    replicationAllowed = replicationRefused is null,
                    replicationRefused,
                    maxKeysPerSecond = spec.MaxKeysPerSecond,
                    maxSourceLatencyMs = spec.MaxSourceLatencyMs,
                    targetMemory = memory.Select(m => new { node = m.Node.Address, maxMemory = m.MaxMemory, policy = m.Policy, usedMemory = m.UsedMemory, evictedKeys = m.EvictedKeys, evicts = m.Evicts }),
                    readFrom = readNodes is null ? "master" : "replica",
                    selection = selection is null ? null : new
                    {
                        sampled = selection.Sampled,
                        selected = selection.Selected,
                        estimatedKeys = selection.EstimatedKeys,
                        renamed = selection.Renamed,
                        hashTagChanged = selection.TagChanged,
                        examples = selection.Examples.Select(e => new { from = e.From, to = e.To, fromSlot = e.FromSlot, toSlot = e.ToSlot }),
                    },
                    bigKeysSampled = big,
                    types = probes.Select(p => new { type = p.Type, restores = p.Restores, reason = p.Reason }),
                    partitions = partitions.Select(p => new { startSlot = p.StartSlot, endSlot = p.EndSlot, keys = p.Keys, database = p.Database }),
                }, CliJson.Options));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static object Side(SideInfo side) => new
    {
        endpoint = side.Endpoint.ToString(),
        cluster = side.Topology.IsCluster,
        shards = side.Topology.Shards.Select(s => new { master = s.Master.Address, slots = string.Join(",", s.Slots) }),
        redisVersion = side.Topology.RedisVersion,
        rdbVersion = side.Topology.RdbVersion,
        keys = side.Keys,
    };

    /// <summary>Whether `dcopy sync` could follow this source: its masters' notify-keyspace-events.</summary>
    private static string SyncLine(IReadOnlyList<(RedisEndpoint Node, string? Setting, string? Missing)> nodes) =>
        nodes.All(n => n.Missing == "")
            ? $"dcopy sync can follow this source: notify-keyspace-events covers every write on {nodes.Count} master(s)"
            : "dcopy sync needs keyspace notifications (\"EA\"): " + string.Join("; ", nodes.Where(n => n.Missing != "").Select(n => n.Setting is null
                ? $"{n.Node.Address} refuses CONFIG GET (set it on the service)"
                : $"{n.Node.Address} has \"{n.Setting}\", lacking \"{n.Missing}\"")) + " (--configure-notifications sets it where CONFIG is allowed)";

    private static string BigKeys(WriteMode mode, long bigKeyBytes, int big, int sampled) =>
        bigKeyBytes == 0 ? (mode == WriteMode.Dump ? "not sized (--mode dump): every key goes by one DUMP, held whole in memory" : "not sized (--big-key-size 0): every key goes by one DUMP or one typed read")
        : $"keys above {bigKeyBytes / 1048576.0:0.##} MB (MEMORY USAGE) go by type in chunks under a temporary name, renamed when complete: {big} of the {sampled} sampled keys are that big";

    /// <summary>MEMORY USAGE of the first 1,000 keys SCAN gives on each master, and how many are above the big-key size.</summary>
    internal static async Task<(int Sampled, double BytesPerKey, int Big)> SampleBytesPerKeyAsync(SideInfo side, long bigKeyBytes, CancellationToken cancellationToken)
    {
        long total = 0;
        var sampled = 0;
        var big = 0;
        foreach (var (node, keys) in await KeySample.TakeAsync(side, 1000, cancellationToken))
        {
            await using var connection = await RespConnection.ConnectAsync(node, cancellationToken);
            var writer = new RespWriter(64 * 1024);
            foreach (var key in keys)
            {
                writer.Command(3).Bulk("MEMORY"u8).Bulk("USAGE"u8).Bulk(key);
            }
            await connection.SendAsync(writer, cancellationToken);
            foreach (var _ in keys)
            {
                await connection.ReadFrameAsync(cancellationToken);
                if (connection.Frame[0] == (byte)':')
                {
                    var size = RespFrame.Integer(connection.Frame);
                    total += size;
                    sampled++;
                    big += bigKeyBytes > 0 && size > bigKeyBytes ? 1 : 0;
                }
            }
        }
        return (sampled, sampled == 0 ? 0 : (double)total / sampled, big);
    }

    /// <summary>How keys will be written, in the plan's words.</summary>
    private static string WriteWay(WriteMode mode, bool newerPayloads) => (mode, newerPayloads) switch
    {
        (WriteMode.Typed, _) => "by type (--mode typed): GET/HGETALL/SMEMBERS/ZRANGE/LRANGE/XRANGE, then SET/HSET/SADD/ZADD/RPUSH/XADD in one MULTI a key",
        (WriteMode.Dump, _) => "RESTORE only (--mode dump): a payload the target refuses stops the copy",
        (_, true) => "by type: the source's payloads are newer than the target restores (--mode auto)",
        _ => "RESTORE; by type for payloads the target refuses (a type, an argument or RESTORE itself it does not take) (--mode auto)",
    };
}
