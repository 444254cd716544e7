namespace DistributedCopy.Core.Diagnostics;

public static class KeyText
{
    /// <summary>A printable form of a binary key for messages: printable ASCII as is, other bytes as \xNN.</summary>
    public static string Printable(ReadOnlySpan<byte> key)
    {
        var text = new System.Text.StringBuilder(key.Length);
        foreach (var b in key[..Math.Min(key.Length, 200)])
        {
            if (b is >= 0x20 and < 0x7F and not (byte)'\\')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{b:x2}");
            }
        }
        return key.Length > 200 ? text.Append("...").ToString() : text.ToString();
    }
}
