using System.Globalization;
using DistributedCopy.Bench;

// bench [--scale 1] [--latency-ms 1] [--pipelines 4] [--batch 1000] [--no-baselines] [--no-c] [--source-load [--max-source-latency 2]] [--marginal 5] [--wide 100] [--dcopy-dir DIR] [--dcopy-alt DIR --dcopy-alt-name NAME] [--sizing] [--big-keys] [--sync [--sync-writes 20000] [--sync-keys 100000] [--sync-no-comparer]] [--out bench/results]
// bench copy --source host:port --target host:port [--map from=to,...]    (child: the copier alone)
// bench serve [--scale 1] [--masters 3]                                                 (the loaded source and an empty target kept up for profiling, until stdin ends)
// bench forward --delay-ms 1 --pairs listen=target,...                     (child: the delay forwarder)
var options = Args.Parse(args);
switch (options.Verb)
{
    case "copy":
        return await CopyChild.RunAsync(options.Get("source"), options.Get("target"), Args.Pairs(options.Get("map", "")),
            options.Int("pipelines", 4), options.Int("batch", 1000), Enum.Parse<DistributedCopy.Core.CopyMode>(options.Get("mode", "Auto"), ignoreCase: true),
            options.Flag("big-key-bytes") ? long.Parse(options.Get("big-key-bytes"), CultureInfo.InvariantCulture) : null);
    case "forward":
        await DelayForwarder.RunAsync(TimeSpan.FromMilliseconds(options.Double("delay-ms", 1)),
            Args.Pairs(options.Get("pairs")).Select(p => (int.Parse(p.Key, CultureInfo.InvariantCulture), int.Parse(p.Value, CultureInfo.InvariantCulture))).ToList());
        return BenchExitCodes.Success;
    case "serve":
        return await BenchRun.ServeAsync(options.Double("scale", 1), options.Int("masters", 3));
    case "run":
        return await BenchRun.RunAsync(options);
    default:
        // a mistyped word must not start a full benchmark run
        Console.Error.WriteLine($"bench: unknown command '{options.Verb}' (commands: copy, forward; none for the benchmark run)");
        return BenchExitCodes.BadInput;
}
