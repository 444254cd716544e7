using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace DistributedCopy.Core.Types;

/// <summary>
/// A sorted set: read by ZRANGE … WITHSCORES (members and scores in turn), written by ZADD (score, member), copied big by
/// ZSCAN, compared by ZSCAN on the source and ZMSCORE on the target, scores as numbers (two servers may print them
/// differently). RDB object types 3 (scores as text), 5 (scores as doubles), 12 (ziplist) and 17 (listpack).
/// </summary>
internal sealed class SortedSetType() : DataType("zset", 3, 5, 12, 17)
{
    public override string[][] ReadCommands { get; } = [["ZRANGE", "0", "-1", "WITHSCORES"]];

    public override string[][] CanonicalCommands { get; } = [["ZRANGE", "0", "-1", "WITHSCORES"]];

    public override string LengthCommand => "ZCARD";

    // ZRANGE and ZSCAN give member, score; ZADD takes score, member (scores as Redis printed them: exact, inf included)
    public override int Write(RespWriter writer, ReadOnlySpan<byte> key, TypedValue value, int itemsPerCommand, bool modern) =>
        WriteItems(writer, "ZADD"u8, key, value.Items, itemsPerCommand, pairs: true, swap: true);

    public override Task<bool> CopyChunkedAsync(IChunkedCopy copy, CancellationToken cancellationToken) =>
        ScanChunkedAsync(copy, "ZSCAN", "ZADD"u8.ToArray(), pairs: true, swap: true, cancellationToken);

    public override Task<bool> CompareChunkedAsync(ComparedKey pair, long length, CancellationToken cancellationToken) =>
        LookupsAsync(pair, "ZSCAN", "ZMSCORE", pairs: true, cancellationToken);

    protected override bool Found(ReadOnlySpan<byte> reply, byte[]? value) => RespFrame.TryBulk(reply, out var score) && Number(score) == Number(value);

    /// <summary>Member=score pairs, sorted, the score as a number.</summary>
    public override List<string> Canonical(TypedValue value) =>
        [.. value.Items.Chunk(2).Select(p => Convert.ToBase64String(p[0]) + "=" + Text(p[1])).Order(StringComparer.Ordinal)];

    public override void Decode(RdbFileReader reader, byte rdbType, TypedValue into)
    {
        var items = into.Items;
        switch (rdbType)
        {
            case 3:
                for (var n = reader.ReadLength(); n > 0; n--)
                {
                    items.Add(reader.ReadString());
                    var length = reader.In.ReadByte();
                    items.Add(length switch { 253 => "nan"u8.ToArray(), 254 => "inf"u8.ToArray(), 255 => "-inf"u8.ToArray(), _ => reader.In.ReadBytes(length) });
                }
                break;
            case 5:
                for (var n = reader.ReadLength(); n > 0; n--)
                {
                    items.Add(reader.ReadString());
                    items.Add(Text(BinaryPrimitives.ReadDoubleLittleEndian(reader.In.ReadBytes(8))));
                }
                break;
            case 12:
                RdbBlobs.Ziplist(reader.ReadString(), items);
                break;
            default:
                RdbBlobs.Listpack(reader.ReadString(), items);
                break;
        }
    }

    /// <summary>A score as a number, so two servers that print it differently (1.5, 1.50) still agree; inf included.</summary>
    private static double Number(ReadOnlySpan<byte> text)
    {
        var s = Encoding.ASCII.GetString(text);
        return s switch
        {
            "inf" or "+inf" => double.PositiveInfinity,
            "-inf" => double.NegativeInfinity,
            _ => double.Parse(s, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Scores as Redis prints them: the shortest text that reads back as the same double; inf and -inf.</summary>
    private static byte[] Text(double score) => Encoding.ASCII.GetBytes(double.IsPositiveInfinity(score) ? "inf" : double.IsNegativeInfinity(score) ? "-inf" : score.ToString("R", CultureInfo.InvariantCulture));

    /// <summary>A score's text in one form (what the file's encoding printed may differ from the server's).</summary>
    private static string Text(byte[] text)
    {
        var score = Encoding.ASCII.GetString(text);
        return double.TryParse(score, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) ? number.ToString("R", CultureInfo.InvariantCulture) : score;
    }
}
