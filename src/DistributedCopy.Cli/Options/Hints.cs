using System.CommandLine;

namespace DistributedCopy.Cli;

/// <summary>
/// The options a printed follow-up command (`dcopy resume …`, `dcopy status …`) needs to reach the same job: the state
/// directory when one was given, or the silo cluster. Never a password: a control endpoint is shown as host:port.
/// </summary>
public static class Hints
{
    public static string Where(ParseResult parse)
    {
        if (parse.GetValue(CliOptions.Control) is { Length: > 0 } control)
        {
            var id = parse.GetValue(CliOptions.ClusterId);
            // where the control's password comes from is no secret (a file's path, a variable's name): it goes along
            var password = parse.GetValue(CliOptions.ControlPassword.File) is { } file ? $" --control-password-file {Quoted(file)}"
                : parse.GetValue(CliOptions.ControlPassword.Env) is { } variable ? $" --control-password-env {variable}" : "";
            return $" --control {Address(control)}" + (id is null or "dcopy" ? "" : $" --cluster-id {id}") + password;
        }
        return parse.GetResult(CliOptions.StateDir) is { Implicit: false } ? $" --state-dir {Quoted(parse.GetValue(CliOptions.StateDir)!)}" : "";
    }

    /// <summary>The first seed of a connection string or URI, without user or password.</summary>
    private static string Address(string control)
    {
        if (control.Contains("://", StringComparison.Ordinal) && Uri.TryCreate(control, UriKind.Absolute, out var uri))
        {
            return $"{uri.Scheme}://{uri.Host}:{(uri.Port > 0 ? uri.Port : 6379)}";
        }
        return control.Split(',')[0];
    }

    private static string Quoted(string path) => path.Any(c => char.IsWhiteSpace(c) || c is '\'' or '"' or '$') ? $"'{path.Replace("'", "'\\''", StringComparison.Ordinal)}'" : path;
}
