namespace DistributedCopy.Core.Types;

/// <summary>
/// A hash: read by HGETALL (fields and values in turn), written by HSET, copied big by HSCAN, compared by HSCAN on the source
/// and HMGET on the target; no order of its own. RDB object types 4 (hash table), 9 (zipmap), 13 (ziplist), 16 (listpack).
/// </summary>
internal sealed class HashType() : DataType("hash", 4, 9, 13, 16)
{
    public override string[][] ReadCommands { get; } = [["HGETALL"]];

    public override string[][] CanonicalCommands { get; } = [["HGETALL"]];

    public override bool Unordered => true;

    public override string LengthCommand => "HLEN";

    public override int Write(RespWriter writer, ReadOnlySpan<byte> key, TypedValue value, int itemsPerCommand, bool modern) =>
        WriteItems(writer, "HSET"u8, key, value.Items, itemsPerCommand, pairs: true, swap: false);

    public override Task<bool> CopyChunkedAsync(IChunkedCopy copy, CancellationToken cancellationToken) =>
        ScanChunkedAsync(copy, "HSCAN", "HSET"u8.ToArray(), pairs: true, swap: false, cancellationToken);

    public override Task<bool> CompareChunkedAsync(ComparedKey pair, long length, CancellationToken cancellationToken) =>
        LookupsAsync(pair, "HSCAN", "HMGET", pairs: true, cancellationToken);

    protected override bool Found(ReadOnlySpan<byte> reply, byte[]? value) => RespFrame.TryBulk(reply, out var bytes) && bytes.SequenceEqual(value!);

    /// <summary>Field=value pairs, sorted.</summary>
    public override List<string> Canonical(TypedValue value) =>
        [.. value.Items.Chunk(2).Select(p => Convert.ToBase64String(p[0]) + "=" + Convert.ToBase64String(p[1])).Order(StringComparer.Ordinal)];

    public override void Decode(RdbFileReader reader, byte rdbType, TypedValue into)
    {
        switch (rdbType)
        {
            case 4:
                for (var n = reader.ReadLength() * 2; n > 0; n--)
                {
                    into.Items.Add(reader.ReadString());
                }
                break;
            case 9:
                RdbBlobs.Zipmap(reader.ReadString(), into.Items);
                break;
            case 13:
                RdbBlobs.Ziplist(reader.ReadString(), into.Items);
                break;
            default:
                RdbBlobs.Listpack(reader.ReadString(), into.Items);
                break;
        }
    }
}
