namespace DistributedCopy.Core.Types;

/// <summary>
/// A set: read by SMEMBERS, written by SADD, copied big by SSCAN, compared by SSCAN on the source and SMISMEMBER on the
/// target; no order of its own. RDB object types 2 (hash table), 11 (intset) and 20 (listpack).
/// </summary>
internal sealed class SetType() : DataType("set", 2, 11, 20)
{
    public override string[][] ReadCommands { get; } = [["SMEMBERS"]];

    public override string[][] CanonicalCommands { get; } = [["SMEMBERS"]];

    public override bool Unordered => true;

    public override string LengthCommand => "SCARD";

    public override int Write(RespWriter writer, ReadOnlySpan<byte> key, TypedValue value, int itemsPerCommand, bool modern) =>
        WriteItems(writer, "SADD"u8, key, value.Items, itemsPerCommand, pairs: false, swap: false);

    public override Task<bool> CopyChunkedAsync(IChunkedCopy copy, CancellationToken cancellationToken) =>
        ScanChunkedAsync(copy, "SSCAN", "SADD"u8.ToArray(), pairs: false, swap: false, cancellationToken);

    public override Task<bool> CompareChunkedAsync(ComparedKey pair, long length, CancellationToken cancellationToken) =>
        LookupsAsync(pair, "SSCAN", "SMISMEMBER", pairs: false, cancellationToken);

    protected override bool Found(ReadOnlySpan<byte> reply, byte[]? value) => RespFrame.Integer(reply) == 1;

    public override List<string> Canonical(TypedValue value) => [.. value.Items.Select(Convert.ToBase64String).Order(StringComparer.Ordinal)];

    public override void Decode(RdbFileReader reader, byte rdbType, TypedValue into)
    {
        switch (rdbType)
        {
            case 2:
                for (var n = reader.ReadLength(); n > 0; n--)
                {
                    into.Items.Add(reader.ReadString());
                }
                break;
            case 11:
                RdbBlobs.Intset(reader.ReadString(), into.Items);
                break;
            default:
                RdbBlobs.Listpack(reader.ReadString(), into.Items);
                break;
        }
    }
}
