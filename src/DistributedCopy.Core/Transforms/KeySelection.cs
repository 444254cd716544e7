using System.Text;

namespace DistributedCopy.Core.Transforms;

/// <summary>
/// Which source keys a job takes and what it calls them on the target: <c>--match</c> globs (a key must match one, when
/// any is given), <c>--exclude</c> globs (a key matching one is left out), <c>--rename</c> rules (the first that matches
/// names the target key), and <c>--db-map</c> (a standalone source's database N written into database M).
/// </summary>
public sealed record KeySelection
{
    public static readonly KeySelection All = new();

    public IReadOnlyList<byte[]> Match { get; init; } = [];

    public IReadOnlyList<byte[]> Exclude { get; init; } = [];

    public IReadOnlyList<KeyRename> Renames { get; init; } = [];

    /// <summary>The types taken (string, list, set, zset, hash, stream); empty for all.</summary>
    public IReadOnlyList<string> Types { get; init; } = [];

    /// <summary>A conversion of values as well as names ("aspnet-session-v5"), or empty.</summary>
    public string Preset { get; init; } = "";

    /// <summary>Source database to target database.</summary>
    public IReadOnlyDictionary<int, int> DatabaseMap { get; init; } = new Dictionary<int, int>();

    /// <summary>Every key, as it is named.</summary>
    public bool IsAll => Match.Count == 0 && Exclude.Count == 0 && Renames.Count == 0 && DatabaseMap.Count == 0 && Preset.Length == 0 && Types.Count == 0;

    /// <summary>Keys are filtered (some may be left out).</summary>
    public bool Filters => Match.Count > 0 || Exclude.Count > 0;

    public static KeySelection Parse(IEnumerable<string> match, IEnumerable<string> exclude, IEnumerable<string> renames, IEnumerable<string> databaseMap, string? preset = null, IEnumerable<string>? types = null)
    {
        var selection = new KeySelection
        {
            Types = ParseTypes(types ?? []),
            Match = [.. match.Select(Encoding.UTF8.GetBytes)],
            Exclude = [.. exclude.Select(Encoding.UTF8.GetBytes)],
            Renames = [.. renames.Select(KeyRename.Parse)],
            DatabaseMap = ParseMap(databaseMap),
        };
        return preset switch
        {
            null or "" => selection,
            AspNetSessionV5.Name => AspNetSessionV5.Apply(selection),
            _ => throw new ArgumentException($"--preset {preset}: the presets are {AspNetSessionV5.Name}"),
        };
    }

    /// <summary>Whether the preset converts this source key's value (not only its name).</summary>
    public bool Converts(ReadOnlySpan<byte> key) => Preset == AspNetSessionV5.Name && AspNetSessionV5.Of(key) != AspNetSessionV5.Role.None;

    public bool Selects(ReadOnlySpan<byte> key)
    {
        if (Match.Count > 0)
        {
            var any = false;
            foreach (var glob in Match)
            {
                if (Glob.Matches(glob, key))
                {
                    any = true;
                    break;
                }
            }
            if (!any)
            {
                return false;
            }
        }
        foreach (var glob in Exclude)
        {
            if (Glob.Matches(glob, key))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The key's target name by the first rule that matches it; null when none does (the name stays).</summary>
    public byte[]? Rename(ReadOnlySpan<byte> key)
    {
        foreach (var rule in Renames)
        {
            if (rule.Apply(key) is { } renamed)
            {
                return renamed;
            }
        }
        return null;
    }

    /// <summary>Target keys can be matched to source keys by name (no renames, no two databases written into one).</summary>
    public bool ExtrasComparable => Renames.Count == 0 && Types.Count == 0 && DatabaseMap.Values.Distinct().Count() == DatabaseMap.Count;

    /// <summary>The filters alone, for listing target keys (whose names are already the target's).</summary>
    public KeySelection ForTargetNames() => Renames.Count == 0 && DatabaseMap.Count == 0 && Preset.Length == 0 ? this : this with { Renames = [], DatabaseMap = new Dictionary<int, int>(), Preset = "" };

    /// <summary>The target database of source database <paramref name="database"/>, or null when the map does not name it.</summary>
    /// <summary>The key of <see cref="DatabaseMap"/> that stands for every database not named (<c>--db-map '*=0'</c>).</summary>
    public const int EveryDatabase = -1;

    /// <summary>Where --db-map sends <paramref name="database"/> (its own entry, else '*'); null when it does not say.</summary>
    public int? TargetDatabase(int database) =>
        DatabaseMap.TryGetValue(database, out var into) ? into : DatabaseMap.TryGetValue(EveryDatabase, out var every) ? every : null;

    private static Dictionary<int, int> ParseMap(IEnumerable<string> items)
    {
        var map = new Dictionary<int, int>();
        foreach (var pair in items.SelectMany(i => i.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var parts = pair.Split('=');
            var from = EveryDatabase;
            if (parts.Length != 2 || !(parts[0] == "*" || int.TryParse(parts[0], System.Globalization.CultureInfo.InvariantCulture, out from)) || !int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var to)
                || from is < EveryDatabase or > 1_000_000 || to is < 0 or > 1_000_000)
            {
                throw new ArgumentException($"--db-map '{pair}': expected SOURCE=TARGET database numbers, as in 1=0,2=0 ('*=0': every database into 0)");
            }
            if (!map.TryAdd(from, to))
            {
                throw new ArgumentException($"--db-map names database {from} twice");
            }
        }
        return map;
    }

    private static readonly string[] KnownTypes = [.. DataType.All.Select(type => type.Name)];

    private static List<string> ParseTypes(IEnumerable<string> items)
    {
        var types = items.SelectMany(i => i.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(t => t.ToLowerInvariant()).Distinct().ToList();
        foreach (var type in types.Where(t => !KnownTypes.Contains(t)))
        {
            throw new ArgumentException($"--type {type}: the types are {string.Join(", ", KnownTypes)}");
        }
        return types;
    }
}
