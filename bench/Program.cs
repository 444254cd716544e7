using System.Globalization;
using DistributedCopy.Bench;

// bench [--scale 1] [--latency-ms 1] [--pipelines 4] [--batch 1000] [--no-baselines] [--out bench/results]
// bench copy --source host:port --target host:port [--map from=to,...]    (child: the copier alone)
// bench forward --delay-ms 1 --pairs listen=target,...                     (child: the delay forwarder)
var options = Args.Parse(args);
switch (options.Verb)
{
    case "copy":
        return await CopyChild.RunAsync(options.Get("source"), options.Get("target"), Args.Pairs(options.Get("map", "")),
            options.Int("pipelines", 4), options.Int("batch", 1000), Enum.Parse<DistributedCopy.Core.CopyMode>(options.Get("mode", "Auto"), ignoreCase: true));
    case "forward":
        await DelayForwarder.RunAsync(TimeSpan.FromMilliseconds(options.Double("delay-ms", 1)),
            Args.Pairs(options.Get("pairs")).Select(p => (int.Parse(p.Key, CultureInfo.InvariantCulture), int.Parse(p.Value, CultureInfo.InvariantCulture))).ToList());
        return BenchExitCodes.Success;
    default:
        return await BenchRun.RunAsync(options);
}

internal sealed record Args(string Verb, Dictionary<string, string> Values)
{
    public static Args Parse(string[] args)
    {
        var verb = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "run";
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = verb == "run" ? 0 : 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"unexpected argument '{args[i]}'");
            }
            var name = args[i][2..];
            values[name] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
        }
        return new Args(verb, values);
    }

    public string Get(string name, string? fallback = null) =>
        Values.TryGetValue(name, out var value) ? value : fallback ?? throw new ArgumentException($"--{name} is required");

    public int Int(string name, int fallback) => Values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) => Values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public bool Flag(string name) => Values.ContainsKey(name);

    public static Dictionary<string, string> Pairs(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
}
