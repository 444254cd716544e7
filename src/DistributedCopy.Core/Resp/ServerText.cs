namespace DistributedCopy.Core.Resp;

/// <summary>
/// An error reply as it may be shown to an operator. Servers echo what they were sent ("unknown command 'AUTH', with
/// args beginning with: ..." from a proxy or an old server), and what a handshake sends is the password: its echo is
/// cut, and the password itself is masked should a server quote it another way.
/// </summary>
public static class ServerText
{
    public static string Redact(string text, string? password)
    {
        var echo = text.IndexOf("with args beginning with", StringComparison.OrdinalIgnoreCase);
        if (echo >= 0)
        {
            text = text[..echo].TrimEnd(' ', ',') + " (arguments not shown)";
        }
        return string.IsNullOrEmpty(password) ? text : text.Replace(password, "***", StringComparison.Ordinal);
    }
}
