using System.CommandLine;

namespace DistributedCopy.Cli;

/// <summary>
/// --match, --exclude, --rename and --db-map: which keys a job takes and what they are called on the target. Checked
/// before anything is written: rules that do not parse, a database that does not exist or cannot take keys, and two
/// sampled keys renamed to one name are bad input.
/// </summary>
public sealed class SelectionOptions
{
    public Option<string[]> Match { get; } = new("--match") { Description = "Only keys matching this glob (Redis syntax: * ? [abc] [^a-z] \\x; binary-safe); repeat for any of several.", AllowMultipleArgumentsPerToken = false };

    public Option<string[]> Exclude { get; } = new("--exclude") { Description = "Leave out keys matching this glob; repeatable. Excluded keys are never read." };

    public Option<string[]> Rename { get; } = new("--rename") { Description = "REGEX=REPLACEMENT: name matching keys anew on the target ($1, ${name} as in .NET; an '=' in the regex is \\=); repeatable, the first rule that matches wins. The regex reads the key's bytes one to one as characters." };

    public Option<string[]> DatabaseMap { get; } = new("--db-map") { Description = "SOURCE=TARGET[,…]: write database SOURCE of a standalone source into database TARGET (1=0,2=0 merges two into a cluster); collisions follow --policy." };

    public Option<string[]> Types { get; } = new("--type") { Description = "Only keys of these types: string, list, set, zset, hash, stream (comma-separated or repeated); found by one pipelined TYPE round per batch, before DUMP." };

    public Option<string?> Preset { get; } = new("--preset") { Description = "aspnet-session-v5: carry ASP.NET sessions of Microsoft.Web.RedisSessionStateProvider up to 4.0.1 over to 5.0's key names and format (docs/aspnet-session-v5.md); lock keys are not carried over." };

    public SelectionOptions()
    {
        Preset.AcceptOnlyFromAmong(AspNetSessionV5.Name);
    }

    /// <summary>
    /// Adds the options a command takes, so its --help lists only those: the filters and renames (--match, --exclude,
    /// --type, --rename), --db-map, --preset.
    /// </summary>
    public void AddTo(Command command, bool filters = true, bool databaseMap = true, bool preset = true)
    {
        foreach (var (option, takes) in new (Option, bool)[] { (Match, filters), (Exclude, filters), (Types, filters), (Rename, filters), (DatabaseMap, databaseMap), (Preset, preset) })
        {
            if (takes)
            {
                command.Options.Add(option);
            }
        }
    }

    /// <summary>The rules as given (stored in the job spec), parsed once to check them.</summary>
    public (string[] Match, string[] Exclude, string[] Renames, string[] DatabaseMap, string Preset, string[] Types, KeySelection Selection) Parse(ParseResult parse)
    {
        var (match, exclude, renames, map, preset) = (parse.GetValue(Match) ?? [], parse.GetValue(Exclude) ?? [], parse.GetValue(Rename) ?? [], parse.GetValue(DatabaseMap) ?? [], parse.GetValue(Preset) ?? "");
        var types = parse.GetValue(Types) ?? [];
        try
        {
            var selection = KeySelection.Parse(match, exclude, renames, map, preset, types);
            return (match, exclude, renames, map, preset, [.. selection.Types], selection);
        }
        catch (ArgumentException ex)
        {
            throw new CliException(ExitCodes.BadInput, ex.Message);
        }
    }

    /// <summary>
    /// The map's databases exist on both sides (CONFIG GET databases; a cluster has database 0 only), and no two sampled
    /// source keys get one target name.
    /// </summary>
    public static async Task CheckAsync(KeySelection selection, SideInfo source, SideInfo target, CancellationToken cancellationToken)
    {
        foreach (var (from, into) in selection.DatabaseMap)
        {
            if (source.Topology.IsCluster)
            {
                throw new CliException(ExitCodes.BadInput, "--db-map: the source is a cluster; it has only database 0");
            }
            if (from != KeySelection.EveryDatabase && from >= await DatabasesAsync(source, cancellationToken))
            {
                throw new CliException(ExitCodes.BadInput, $"--db-map {from}={into}: the source {source.Endpoint.Address} has no database {from}");
            }
            if (target.Topology.IsCluster ? into != 0 : into >= await DatabasesAsync(target, cancellationToken))
            {
                throw new CliException(ExitCodes.BadInput, $"--db-map {from}={into}: the target {target.Endpoint.Address} has no database {into}{(target.Topology.IsCluster ? " (a cluster has only database 0)" : "")}");
            }
        }
        if (selection.Renames.Count == 0)
        {
            return;
        }
        var named = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var key in (await KeySample.TakeAsync(source, 2000, cancellationToken)).SelectMany(s => s.Keys).Where(k => selection.Selects(k)))
        {
            var name = selection.Rename(key) ?? key;
            var text = Convert.ToHexString(name);
            if (named.TryGetValue(text, out var other) && !other.AsSpan().SequenceEqual(key))
            {
                throw new CliException(ExitCodes.BadInput, $"--rename: keys {Core.Diagnostics.KeyText.Printable(other)} and {Core.Diagnostics.KeyText.Printable(key)} would both be named {Core.Diagnostics.KeyText.Printable(name)} on the target");
            }
            named[text] = key;
        }
    }

    private static async Task<int> DatabasesAsync(SideInfo side, CancellationToken cancellationToken)
    {
        await using var connection = await RespConnection.ConnectAsync(side.Endpoint with { Database = 0 }, cancellationToken);
        var reply = RespFrame.Array(await connection.ExecuteAsync("CONFIG", "GET", "databases"));
        reply.Next();
        return reply.MoveNext(out var value) && int.TryParse(RespFrame.String(value), System.Globalization.CultureInfo.InvariantCulture, out var count) ? count : 16;
    }
}
