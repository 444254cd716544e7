using System.Text;
using System.Text.RegularExpressions;

namespace DistributedCopy.Core.Transforms;

/// <summary>
/// One <c>--rename 'REGEX=REPLACEMENT'</c> rule. The regex runs over the key's bytes read one to one as characters
/// (byte b is char U+00b, Latin-1), so any binary key round-trips; the rule's own text is UTF-8 read the same way, so a
/// non-ASCII character in a rule matches (and writes) that character's UTF-8 bytes.
/// </summary>
public sealed class KeyRename
{
    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    private KeyRename(string text, Regex pattern, string replacement)
    {
        Text = text;
        Pattern = pattern;
        Replacement = replacement;
    }

    /// <summary>The rule as given.</summary>
    public string Text { get; }

    public Regex Pattern { get; }

    public string Replacement { get; }

    /// <summary>Parses <c>REGEX=REPLACEMENT</c>, split at the first '=' not escaped by a backslash.</summary>
    public static KeyRename Parse(string rule)
    {
        var split = -1;
        for (var i = 0; i < rule.Length; i++)
        {
            if (rule[i] == '\\')
            {
                i++;
            }
            else if (rule[i] == '=')
            {
                split = i;
                break;
            }
        }
        if (split <= 0)
        {
            throw new ArgumentException($"--rename '{rule}': expected REGEX=REPLACEMENT (an '=' in the regex is written \\=)");
        }
        Regex pattern;
        try
        {
            pattern = new Regex(AsBytes(rule[..split]), RegexOptions.CultureInvariant, MatchTimeout);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"--rename '{rule}': the regex is not valid: {ex.Message}");
        }
        return new KeyRename(rule, pattern, AsBytes(rule[(split + 1)..]));
    }

    /// <summary>The new name, or null when the rule does not match <paramref name="key"/>.</summary>
    public byte[]? Apply(ReadOnlySpan<byte> key)
    {
        var text = Encoding.Latin1.GetString(key);
        var match = Pattern.Match(text);
        return match.Success ? Encoding.Latin1.GetBytes(string.Concat(text.AsSpan(0, match.Index), match.Result(Replacement), text.AsSpan(match.Index + match.Length))) : null;
    }

    /// <summary>UTF-8 text as the chars of its bytes (what a key's bytes read as).</summary>
    private static string AsBytes(string text) => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(text));
}
