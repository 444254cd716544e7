namespace DistributedCopy.Core.Types;

/// <summary>A string: read by GET, written by SET, copied big by GETRANGE/APPEND, compared by GETRANGE; RDB object type 0.</summary>
internal sealed class StringType() : DataType("string", 0)
{
    public override string[][] ReadCommands { get; } = [["GET"]];

    public override string[][] CanonicalCommands { get; } = [["GET"]];

    public override string LengthCommand => "STRLEN";

    public override void Parse(TypedValue value, ReadOnlySpan<byte> frame)
    {
        RespFrame.TryBulk(frame, out var bytes);
        value.Items.Add(bytes.ToArray());
    }

    public override int Write(RespWriter writer, ReadOnlySpan<byte> key, TypedValue value, int itemsPerCommand, bool modern)
    {
        writer.Command(3).Bulk("SET"u8).Bulk(key).BulkReference(value.Items[0]);
        return 1;
    }

    public override async Task<bool> CopyChunkedAsync(IChunkedCopy copy, CancellationToken cancellationToken)
    {
        for (long offset = 0; ;)
        {
            var read = copy.NewRead().Command(4).Bulk("GETRANGE"u8).Bulk(copy.Key).Bulk(offset).Bulk(offset + copy.ChunkBytes - 1);
            await copy.ReadAsync(read, cancellationToken).ConfigureAwait(false);
            var length = Append(copy);
            if (length == 0)
            {
                return offset > 0;
            }
            await copy.SendAsync(length, offset == 0, cancellationToken).ConfigureAwait(false);
            offset += length;
            if (length < copy.ChunkBytes)
            {
                return true;
            }
        }
    }

    public override Task<bool> CompareChunkedAsync(ComparedKey pair, long length, CancellationToken cancellationToken) =>
        pair.RangesAsync(length, pair.ChunkBytes, "GETRANGE", cancellationToken);

    public override void Decode(RdbFileReader reader, byte rdbType, TypedValue into) => into.Items.Add(reader.ReadString());

    /// <summary>The range read, appended to the temporary key; returns its length.</summary>
    private static int Append(IChunkedCopy copy)
    {
        RespFrame.TryBulk(copy.Reply, out var value);
        if (!value.IsEmpty)
        {
            copy.Chunk.Command(3).Bulk("APPEND"u8).Bulk(copy.Temp).Bulk(value);
        }
        return value.Length;
    }
}
