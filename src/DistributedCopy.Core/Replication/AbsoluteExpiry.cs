using System.Buffers.Text;
using System.Text;

namespace DistributedCopy.Core.Replication;

/// <summary>
/// Relative expiries of a stream turned absolute. Redis 7 masters send absolute ones (PXAT, PEXPIREAT) already; older ones
/// send what the client wrote (EXPIRE 60, SETEX, SET … EX), which applied later — after a snapshot's load, or with lag —
/// would live that much longer on the target. Each is rewritten to the same write at the time dcopy received it:
/// EXPIRE and PEXPIRE become PEXPIREAT, SETEX and PSETEX become SET … PXAT, SET's and GETEX's EX and PX become PXAT, and a
/// RESTORE with a TTL gets ABSTTL. Anything else is left as it is.
/// </summary>
public static class AbsoluteExpiry
{
    /// <summary>The command with its expiry made absolute from <paramref name="receivedAtMs"/> (Unix ms), or null when it has none to change.</summary>
    public static byte[]? Rewrite(ReadOnlySpan<byte> command, long receivedAtMs)
    {
        var reader = RespFrame.Array(command);
        if (reader.Count < 3 || !RespFrame.TryBulk(reader.Next(), out var name) || !Candidate(name, reader.Count))
        {
            return null;
        }
        if ((Ascii.EqualsIgnoreCase(name, "SET"u8) || Ascii.EqualsIgnoreCase(name, "GETEX"u8)) && !HasRelativeOption(reader))
        {
            // Redis 7 sends every expiring SET as SET … PXAT: nothing to change, nothing copied
            return null;
        }
        var parts = new List<byte[]>(reader.Count) { name.ToArray() };
        while (reader.MoveNext(out var part))
        {
            if (!RespFrame.TryBulk(part, out var bytes))
            {
                return null;
            }
            parts.Add(bytes.ToArray());
        }
        var rewritten = Upper(parts[0]) switch
        {
            "EXPIRE" => At(parts, "PEXPIREAT", 2, receivedAtMs, 1000),
            "PEXPIRE" => At(parts, "PEXPIREAT", 2, receivedAtMs, 1),
            "SETEX" when parts.Count == 4 => Set(parts, receivedAtMs, 1000),
            "PSETEX" when parts.Count == 4 => Set(parts, receivedAtMs, 1),
            "SET" or "GETEX" => Option(parts, receivedAtMs),
            "RESTORE" => Restore(parts, receivedAtMs),
            _ => null,
        };
        if (rewritten is null)
        {
            return null;
        }
        var writer = new RespWriter(command.Length + 32);
        writer.Command(rewritten.Count);
        foreach (var part in rewritten)
        {
            writer.Bulk(part);
        }
        return writer.Written.ToArray();
    }

    /// <summary>Only these names are parsed further (a SET without options, the stream's most common write, is not).</summary>
    private static bool Candidate(ReadOnlySpan<byte> name, int count) =>
        (Ascii.EqualsIgnoreCase(name, "SET"u8) && count > 3) || Ascii.EqualsIgnoreCase(name, "EXPIRE"u8) || Ascii.EqualsIgnoreCase(name, "PEXPIRE"u8)
        || Ascii.EqualsIgnoreCase(name, "SETEX"u8) || Ascii.EqualsIgnoreCase(name, "PSETEX"u8) || Ascii.EqualsIgnoreCase(name, "GETEX"u8)
        || Ascii.EqualsIgnoreCase(name, "RESTORE"u8);

    /// <summary>A SET's or GETEX's arguments (a copy of the reader, past the name) hold an EX or PX option.</summary>
    private static bool HasRelativeOption(RespFrame.ArrayReader reader)
    {
        while (reader.MoveNext(out var part))
        {
            if (RespFrame.TryBulk(part, out var bytes) && bytes.Length == 2 && (Ascii.EqualsIgnoreCase(bytes, "EX"u8) || Ascii.EqualsIgnoreCase(bytes, "PX"u8)))
            {
                return true;
            }
        }
        return false;
    }

    private static string Upper(byte[] name) => Encoding.ASCII.GetString(name).ToUpperInvariant();

    /// <summary>EXPIRE key seconds [NX|XX|GT|LT] → PEXPIREAT key ms [NX|XX|GT|LT].</summary>
    private static List<byte[]>? At(List<byte[]> parts, string name, int index, long now, long unit)
    {
        if (!Number(parts[index], out var value))
        {
            return null;
        }
        parts[0] = Encoding.ASCII.GetBytes(name);
        parts[index] = Text(now + (value * unit));
        return parts;
    }

    /// <summary>SETEX key seconds value → SET key value PXAT ms.</summary>
    private static List<byte[]>? Set(List<byte[]> parts, long now, long unit) =>
        Number(parts[2], out var value) ? ["SET"u8.ToArray(), parts[1], parts[3], "PXAT"u8.ToArray(), Text(now + (value * unit))] : null;

    /// <summary>SET key value … EX s / PX ms …, GETEX key EX s / PX ms → the same with PXAT ms.</summary>
    private static List<byte[]>? Option(List<byte[]> parts, long now)
    {
        for (var i = 2; i < parts.Count - 1; i++)
        {
            var option = Upper(parts[i]);
            if (option is "EX" or "PX" && Number(parts[i + 1], out var value))
            {
                parts[i] = "PXAT"u8.ToArray();
                parts[i + 1] = Text(now + (value * (option == "EX" ? 1000 : 1)));
                return parts;
            }
        }
        return null;
    }

    /// <summary>RESTORE key ttl payload [REPLACE] … with a TTL and no ABSTTL → the same with ABSTTL.</summary>
    private static List<byte[]>? Restore(List<byte[]> parts, long now)
    {
        if (parts.Count < 4 || !Number(parts[2], out var ttl) || ttl <= 0 || parts.Skip(4).Any(p => Upper(p) == "ABSTTL"))
        {
            return null;
        }
        parts[2] = Text(now + ttl);
        parts.Add("ABSTTL"u8.ToArray());
        return parts;
    }

    private static bool Number(byte[] text, out long value) => Utf8Parser.TryParse(text, out value, out var used) && used == text.Length;

    private static byte[] Text(long value) => Encoding.ASCII.GetBytes(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
