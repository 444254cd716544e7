using StackExchange.Redis;

/// <summary>
/// Reads the silo's --control connection string with dcopy's rule for passwords: StackExchange.Redis would split a
/// password at its commas and take the pieces for host names, which its errors and Orleans' logs then print.
/// </summary>
internal static class ControlText
{
    /// <summary>The options, or null when the text is not a connection string; never says why in the text's own words.</summary>
    public static ConfigurationOptions? Parse(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (text.Contains("://", StringComparison.Ordinal) || (at >= 0 && (eq < 0 || at < eq)))
        {
            // a URI (user:password@host): StackExchange.Redis does not take one, and its host would be the password
            return null;
        }
        var (rest, password) = SplitPassword(text);
        try
        {
            var options = ConfigurationOptions.Parse(rest);
            if (password is not null)
            {
                options.Password = password;
            }
            return options;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>After "password=", everything up to the next ",name=" (a name of letters) is the password, commas included.</summary>
    private static (string Others, string? Password) SplitPassword(string text)
    {
        var start = text.IndexOf("password=", StringComparison.OrdinalIgnoreCase);
        if (start < 0 || (start > 0 && text[start - 1] != ','))
        {
            return (text, null);
        }
        var end = start + "password=".Length;
        var next = end;
        while ((next = text.IndexOf(',', next)) >= 0)
        {
            var equals = text.IndexOf('=', next);
            if (equals > next + 1 && text.AsSpan(next + 1, equals - next - 1).Trim().ToString().All(char.IsAsciiLetter))
            {
                break;
            }
            next++;
        }
        var password = next < 0 ? text[end..] : text[end..next];
        var rest = text[..start].TrimEnd(',') + (next < 0 ? "" : text[next..]);
        return (rest, password);
    }
}
