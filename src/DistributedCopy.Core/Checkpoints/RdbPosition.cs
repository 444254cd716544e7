using System.Globalization;

namespace DistributedCopy.Core.Checkpoints;

/// <summary>
/// A checkpoint in an RDB file: the byte offset of a key boundary before which every key is written, and the database
/// selected there. "0" is the file's start (the same as a SCAN cursor's start, so a lease's cursor means either).
/// </summary>
public static class RdbPosition
{
    public const string Start = "0";

    public static string Format(long offset, int database) => string.Create(CultureInfo.InvariantCulture, $"rdb/{offset}/{database}");

    public static (long Offset, int Database) Parse(string? position)
    {
        if (string.IsNullOrEmpty(position) || position == Start)
        {
            return (0, 0);
        }
        var parts = position.Split('/');
        return parts.Length == 3 && parts[0] == "rdb" && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var offset) && offset >= 0
            && int.TryParse(parts[2], CultureInfo.InvariantCulture, out var database)
            ? (offset, database)
            : throw new CopyException($"'{position}' is not a position in an RDB file");
    }
}
