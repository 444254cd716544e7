using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DistributedCopy.Testing;

namespace DistributedCopy.Bench;

/// <summary>
/// The benchmark: a 3-master source and a 3-master target cluster on loopback, the standard data set, the engine's copy
/// in a child process (its own CPU and RSS), the same through a delay forwarder, and the baselines in the same run.
/// </summary>
internal static partial class BenchRun
{
    public static async Task<int> RunAsync(Args args)
    {
        var scale = args.Double("scale", 1);
        // dcopy as an operator installs it (a ReadyToRun publish), or this build's
        dcopyDirectory = args.Get("dcopy-dir", "") is { Length: > 0 } installed ? installed : null;
        var latency = args.Double("latency-ms", 1);
        var pipelines = args.Int("pipelines", 4);
        var batch = args.Int("batch", 1000);
        var output = args.Get("out", Path.Combine("bench", "results"));
        var rows = new List<Row>();
        if (RedisBinaries.EnsureInstalled(Console.Error) is { } missing)
        {
            Console.Error.WriteLine(missing);
            return BenchExitCodes.RedisMissing;
        }

        Log($"starting a 3-master source and a 3-master target cluster");
        await using var source = await RedisCluster.StartAsync(masters: 3);
        await using var target = await RedisCluster.StartAsync(masters: 3);
        serverPids = [.. source.Nodes.Concat(target.Nodes).Select(n => n.Pid)];
        var clock = Stopwatch.StartNew();
        var report = await new StandardDataSet(scale).LoadAsync(source.Endpoint);
        Log($"loaded {report.Total:N0} keys (scale {scale}) in {clock.Elapsed.TotalSeconds:F1} s");

        var local = await CopyAsync(source.Endpoint, target.Endpoint, new Dictionary<string, string>(), pipelines, batch);
        CopyFigures? earlier = null;
        if (args.Values.TryGetValue("before", out var before))
        {
            // another build's engine on the same data in the same run, in alternating order over several pairs (the first
            // copy after a load runs on busier servers): before/after figures that share the machine's noise; medians shown
            var now = new List<CopyFigures> { local };
            var then = new List<CopyFigures>();
            for (var pair = 0; pair < args.Int("pairs", 3); pair++)
            {
                foreach (var assembly in pair % 2 == 0 ? new[] { before, null } : [null, before])
                {
                    if (assembly is null && pair == 0)
                    {
                        continue;
                    }
                    await FlushAsync(target);
                    (assembly is null ? now : then).Add(await CopyAsync(source.Endpoint, target.Endpoint, new Dictionary<string, string>(), pipelines, batch, assembly));
                }
            }
            local = Median(now);
            earlier = Median(then);
            Log($"before/after: {string.Join(", ", now.Zip(then, (a, b) => (a.KeysPerSecond / b.KeysPerSecond).ToString("F2", CultureInfo.InvariantCulture)))} × per pair");
        }
        var targetKeys = await KeyCounter.DbSizeAsync(target.Endpoint);
        rows.Add(new Row("DistributedCopy engine, cluster → cluster, loopback" + (earlier is null ? "" : " (median of the pairs)"), local, targetKeys, report.Total));
        if (earlier is not null)
        {
            rows.Add(new Row($"the same engine as built at {args.Get("before-name", Path.GetFileName(Path.GetDirectoryName(before)) ?? before!)}, same data (median)", earlier,
                targetKeys, report.Total));
        }
        if (!args.Flag("no-c"))
        {
            await FlushAsync(target);
            var serverCpu = ServerCpu();
            if (await Baselines.CCopierAsync(source, target, batch) is { } c)
            {
                rows.Add(new Row("C two-phase copier (bench/ccopy: SCAN, PTTL+DUMP, RESTORE; one process a source master), loopback", c with { ServerCpuSeconds = ServerCpu() - serverCpu },
                    await KeyCounter.DbSizeAsync(target.Endpoint), report.Total));
                Log($"C copier: {c.Keys:N0} keys in {c.WallSeconds:F2} s: {c.KeysPerSecond:N0} keys/s");
            }
            else
            {
                Log("no gcc: the C copier's row is left out");
            }
        }
        if (args.Flag("sizing"))
        {
            // the default path sizes every key (MEMORY USAGE) before DUMP; this row goes without, on the same data, in alternating pairs
            var with = new List<CopyFigures> { local };
            var without = new List<CopyFigures>();
            for (var pair = 0; pair < args.Int("pairs", 3); pair++)
            {
                await FlushAsync(target);
                without.Add(await CopyAsync(source.Endpoint, target.Endpoint, new Dictionary<string, string>(), pipelines, batch, bigKeyBytes: 0));
                await FlushAsync(target);
                with.Add(await CopyAsync(source.Endpoint, target.Endpoint, new Dictionary<string, string>(), pipelines, batch));
            }
            rows.Add(new Row("DistributedCopy engine, --big-key-size 0 (no MEMORY USAGE round; median)", Median(without), await KeyCounter.DbSizeAsync(target.Endpoint), report.Total));
            rows.Add(new Row("DistributedCopy engine, default sizing (median of the same pairs)", Median(with), await KeyCounter.DbSizeAsync(target.Endpoint), report.Total));
        }
        if (!args.Flag("no-typed"))
        {
            // every key by type (what a target that refuses RESTORE gets), on the same data, against the dump rows above
            await FlushAsync(target);
            var typed = await CopyAsync(source.Endpoint, target.Endpoint, new Dictionary<string, string>(), pipelines, batch, mode: "typed");
            rows.Add(new Row("DistributedCopy engine, --mode typed (every key by type, MULTI/EXEC a key), cluster → cluster", typed, await KeyCounter.DbSizeAsync(target.Endpoint), report.Total));
        }
        CopyFigures? dcopyFigures = null;
        if (!args.Flag("no-dcopy"))
        {
            await FlushAsync(target);
            var dcopy = await DcopyAsync(source, target, report.Total);
            dcopyFigures = dcopy;
            var dcopyKeys = await KeyCounter.DbSizeAsync(target.Endpoint);
            if (before is not null)
            {
                // the other build's dcopy (beside its bench) end to end, in alternating pairs like the engine rows
                var now = new List<CopyFigures> { dcopy };
                var then = new List<CopyFigures>();
                for (var pair = 0; pair < args.Int("pairs", 3); pair++)
                {
                    foreach (var directory in pair % 2 == 0 ? new[] { Path.GetDirectoryName(before), null } : [null, Path.GetDirectoryName(before)])
                    {
                        if (directory is null && pair == 0)
                        {
                            continue;
                        }
                        await FlushAsync(target);
                        (directory is null ? now : then).Add(await DcopyAsync(source, target, report.Total, directory));
                    }
                }
                dcopy = Median(now);
                rows.Add(new Row("dcopy copy: embedded silo, 4 worker grains, per-slot checkpoints, loopback (median of the pairs)", dcopy, dcopyKeys, report.Total));
                rows.Add(new Row($"the same dcopy as built at {args.Get("before-name", before)} (median)", Median(then), dcopyKeys, report.Total));
            }
            else
            {
                rows.Add(new Row("dcopy copy: embedded silo, 4 worker grains, per-slot checkpoints, loopback", dcopy, dcopyKeys, report.Total));
            }
            // the fixed cost alone: an empty 3-master source
            await using var empty = await RedisCluster.StartAsync(masters: 3);
            await FlushAsync(target);
            var nothing = await DcopyAsync(empty, target, 0);
            rows.Add(new Row("dcopy copy of an empty 3-master cluster (the fixed cost: process, silo, checks, planning)", nothing, await KeyCounter.DbSizeAsync(target.Endpoint), 0));
            if (args.Get("dcopy-alt", "") is { Length: > 0 } alternative)
            {
                // another publish of this dcopy (self-contained, composite ReadyToRun, say) on the same data in the same run
                var name = args.Get("dcopy-alt-name", alternative);
                await FlushAsync(target);
                rows.Add(new Row($"dcopy copy, {name}", await DcopyAsync(source, target, report.Total, alternative), await KeyCounter.DbSizeAsync(target.Endpoint), report.Total));
                await FlushAsync(target);
                rows.Add(new Row($"dcopy copy of an empty 3-master cluster, {name}", await DcopyAsync(empty, target, 0, alternative), await KeyCounter.DbSizeAsync(target.Endpoint), 0));
            }
        }
        var oneKey = await Baselines.OneKeyAtATimeAsync(source.Endpoint, target.Endpoint, new Dictionary<string, string>(), (int)Math.Min(20_000, report.Total));
        rows.Add(new Row("one key at a time (DUMP, PTTL, RESTORE, each a round trip), loopback", oneKey));

        if (latency > 0)
        {
            await FlushAsync(target);
            await using var forwarder = await Forwarder.StartAsync(latency, source.Nodes.Concat(target.Nodes).Select(n => n.Port));
            var remote = await CopyAsync(forwarder.Map(source.Endpoint), forwarder.Map(target.Endpoint), forwarder.AddressMap, pipelines, batch);
            targetKeys = await KeyCounter.DbSizeAsync(target.Endpoint);
            rows.Add(new Row($"DistributedCopy engine through the {latency} ms-each-way forwarder", remote, targetKeys, report.Total));
            var oneKeyRemote = await Baselines.OneKeyAtATimeAsync(forwarder.Map(source.Endpoint), forwarder.Map(target.Endpoint), forwarder.AddressMap, 500);
            rows.Add(new Row($"one key at a time through the {latency} ms-each-way forwarder", oneKeyRemote));
        }

        if (!args.Flag("no-baselines"))
        {
            await using var standalone = await RedisServer.StartAsync();
            var subset = await new StandardDataSet(100_000 / 1_091_000.0).LoadAsync(standalone.Endpoint);
            await FlushAsync(target);
            var import = await Baselines.RedisCliImportAsync(standalone, target, subset.Total);
            rows.Add(new Row($"redis-cli --cluster import --cluster-copy --cluster-replace, standalone → cluster, {subset.Total:N0} keys", import));
            await FlushAsync(target);
            var engineSubset = await CopyAsync(standalone.Endpoint, target.Endpoint, new Dictionary<string, string>(), pipelines, batch);
            rows.Add(new Row($"DistributedCopy engine, standalone → cluster, same {subset.Total:N0} keys", engineSubset, await KeyCounter.DbSizeAsync(target.Endpoint), subset.Total));
        }

        if (args.Int("big-values", 0) is > 0 and var bigValues)
        {
            await FlushAsync(source);
            await FlushAsync(target);
            var bytes = await BigValues.LoadAsync(source.Endpoint, bigValues, BigValues.ValueBytes);
            Log($"loaded {bigValues:N0} values of {BigValues.ValueBytes / 1e6:F1} MB ({bytes / 1e9:F2} GB)");
            var big = await CopyAsync(source.Endpoint, target.Endpoint, new Dictionary<string, string>(), pipelines, batch);
            rows.Add(new Row($"DistributedCopy engine, {bigValues:N0} values of {BigValues.ValueBytes / 1e6:F1} MB (random, incompressible)", big,
                await KeyCounter.DbSizeAsync(target.Endpoint), bigValues));
        }

        string? syncLine = null;
        if (args.Flag("sync"))
        {
            // the same load twice: the comparer off, then at its default rate (and its first full pass timed)
            var (writes, hot) = (args.Int("sync-writes", 20_000), args.Int("sync-keys", 100_000));
            // then the same load followed by the replication stream (--sync-no-comparer leaves out the comparer's row, minutes long)
            syncLine = await SyncRowAsync(source, target, report.Total, local.KeysPerSecond, writes, hot, compareRate: 0) + "\n\n"
                + (args.Flag("sync-no-comparer") ? "" : await SyncRowAsync(source, target, report.Total, local.KeysPerSecond, writes, hot, compareRate: new SyncOptions().CompareKeysPerSecond) + "\n\n")
                + await ReplicationSyncRowAsync(source, target, report.Total, local.KeysPerSecond, writes, hot);
        }

        if (args.Flag("big-keys"))
        {
            await BigKeyRowsAsync(source, target, rows, pipelines, batch);
        }

        var sourceLoadLine = args.Flag("source-load") ? await SourceLoadRowsAsync(source, target, new StandardDataSet(scale), report.Total, args.Double("max-source-latency", 2)) : null;

        var rdbLine = args.Flag("rdb") ? await RdbRowAsync(target, scale, local.KeysPerSecond) : null;
        if (args.Flag("replication"))
        {
            var replicationLine = await ReplicationRowAsync(target, scale, pipelines, batch);
            rdbLine = rdbLine is null ? replicationLine : rdbLine + "\n\n" + replicationLine;
        }

        var hostsLines = args.Flag("hosts") ? string.Join("\n\n", await HostsRowsAsync(args.Double("hosts-scale", 0.2))) : null;

        var wideLine = args.Int("wide", 0) is > 0 and var wide ? await WideRowsAsync(wide, scale, rows, pipelines, batch, !args.Flag("no-dcopy")) : null;

        // last: it adds keys to the source
        var marginalLine = args.Double("marginal", 0) is > 0 and var total && total > scale
            ? await MarginalRowsAsync(source, target, scale, total, local, dcopyFigures, rows, pipelines, batch) : null;

        Write(rows, output, scale, latency, syncLine, sourceLoadLine, rdbLine, hostsLines, wideLine, marginalLine);
        return rows.All(r => r.CountMatches) ? BenchExitCodes.Success : BenchExitCodes.CountMismatch;
    }
}
