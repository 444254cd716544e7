namespace DistributedCopy.Cli;

/// <summary>Sizes on the command line: a number of bytes, or with KB, MB or GB (also KiB, MiB, GiB; 1024-based).</summary>
public static class ByteSize
{
    public static long Parse(string text, string option)
    {
        var trimmed = text.Trim();
        var digits = trimmed.TakeWhile(char.IsAsciiDigit).Count();
        var unit = trimmed[digits..].Trim().ToUpperInvariant();
        long scale = unit switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            _ => 0,
        };
        if (digits == 0 || scale == 0 || !long.TryParse(trimmed[..digits], out var number) || number > long.MaxValue / scale)
        {
            throw new CliException(ExitCodes.BadInput, $"{option} takes a size: bytes, or a number with KB, MB or GB (got '{text}')");
        }
        return number * scale;
    }
}
