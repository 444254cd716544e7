namespace DistributedCopy.Core.Types;

/// <summary>
/// A list: read by LRANGE, written by RPUSH in order, copied big and compared by LRANGE ranges; RDB object types 1 (linked
/// list), 10 (ziplist), 14 (quicklist of ziplists) and 18 (quicklist of listpacks).
/// </summary>
internal sealed class ListType() : DataType("list", 1, 10, 14, 18)
{
    public override string[][] ReadCommands { get; } = [["LRANGE", "0", "-1"]];

    public override string[][] CanonicalCommands { get; } = [["LRANGE", "0", "-1"]];

    public override string LengthCommand => "LLEN";

    public override int Write(RespWriter writer, ReadOnlySpan<byte> key, TypedValue value, int itemsPerCommand, bool modern) =>
        WriteItems(writer, "RPUSH"u8, key, value.Items, itemsPerCommand, pairs: false, swap: false);

    /// <summary>LRANGE by index, in order, RPUSHed in order.</summary>
    public override async Task<bool> CopyChunkedAsync(IChunkedCopy copy, CancellationToken cancellationToken)
    {
        long start = 0;
        for (var count = 128; ; )
        {
            var read = copy.NewRead().Command(4).Bulk("LRANGE"u8).Bulk(copy.Key).Bulk(start).Bulk(start + count - 1);
            await copy.ReadAsync(read, cancellationToken).ConfigureAwait(false);
            var (items, bytes) = ChunkItems(copy, copy.Reply, "RPUSH"u8, pairs: false, swap: false);
            if (items == 0)
            {
                return start > 0;
            }
            await copy.SendAsync(bytes, start == 0, cancellationToken).ConfigureAwait(false);
            start += items;
            if (items < count)
            {
                return true;
            }
            count = copy.NextCount(items, bytes);
        }
    }

    public override Task<bool> CompareChunkedAsync(ComparedKey pair, long length, CancellationToken cancellationToken) =>
        pair.RangesAsync(length, pair.ChunkItems, "LRANGE", cancellationToken);

    public override void Decode(RdbFileReader reader, byte rdbType, TypedValue into)
    {
        var items = into.Items;
        switch (rdbType)
        {
            case 1:
                for (var n = reader.ReadLength(); n > 0; n--)
                {
                    items.Add(reader.ReadString());
                }
                break;
            case 10:
                RdbBlobs.Ziplist(reader.ReadString(), items);
                break;
            case 14:
                for (var n = reader.ReadLength(); n > 0; n--)
                {
                    RdbBlobs.Ziplist(reader.ReadString(), items);
                }
                break;
            default:
                for (var n = reader.ReadLength(); n > 0; n--)
                {
                    // a node is one plain element (1) or a listpack of them (2)
                    if (reader.ReadLength() == 1)
                    {
                        items.Add(reader.ReadString());
                    }
                    else
                    {
                        RdbBlobs.Listpack(reader.ReadString(), items);
                    }
                }
                break;
        }
    }
}
