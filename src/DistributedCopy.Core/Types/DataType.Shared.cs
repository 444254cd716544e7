using System.Globalization;
using System.Text;

namespace DistributedCopy.Core.Types;

// DataType, part 2: what several types share — reading replies, writing items in commands, scanning a big value.
internal abstract partial class DataType
{
    /// <summary>Writes a read command for <paramref name="key"/>: the key follows the command, or its subcommand (XINFO STREAM key).</summary>
    public static void WriteRead(RespWriter writer, string[] command, ReadOnlySpan<byte> key)
    {
        var keyAfter = command[0] == "XINFO" ? 2 : 1;
        writer.Command(command.Length + 1);
        for (var part = 0; part < command.Length; part++)
        {
            if (part == keyAfter)
            {
                writer.Bulk(key);
            }
            writer.Bulk(command[part]);
        }
        if (keyAfter == command.Length)
        {
            writer.Bulk(key);
        }
    }

    /// <summary>A reply's bulk (or integer, as text) as bytes.</summary>
    protected static byte[] Bytes(ReadOnlySpan<byte> frame) =>
        frame[0] == (byte)':' ? Encoding.ASCII.GetBytes(RespFrame.Integer(frame).ToString(CultureInfo.InvariantCulture))
        : RespFrame.TryBulk(frame, out var bytes) ? bytes.ToArray() : [];

    protected static List<byte[]> Items(ReadOnlySpan<byte> frame)
    {
        var items = new List<byte[]>();
        var list = RespFrame.Array(frame);
        while (list.MoveNext(out var item))
        {
            items.Add(Bytes(item));
        }
        return items;
    }

    /// <summary>
    /// <paramref name="items"/> written as commands of at most <paramref name="step"/> items each; with
    /// <paramref name="pairs"/> two items make one entry, swapped with <paramref name="swap"/> (member, score → score, member).
    /// </summary>
    protected static int WriteItems(RespWriter writer, ReadOnlySpan<byte> command, ReadOnlySpan<byte> key, List<byte[]> items, int step, bool pairs, bool swap)
    {
        var commands = 0;
        step = pairs ? step & ~1 : step;
        for (var start = 0; start < items.Count; start += step)
        {
            var count = Math.Min(step, items.Count - start);
            writer.Command(2 + count).Bulk(command).Bulk(key);
            for (var i = start; i < start + count; i += pairs ? 2 : 1)
            {
                if (swap)
                {
                    writer.Bulk(items[i + 1]).Bulk(items[i]);
                }
                else if (pairs)
                {
                    writer.Bulk(items[i]).Bulk(items[i + 1]);
                }
                else
                {
                    writer.Bulk(items[i]);
                }
            }
            commands++;
        }
        return commands;
    }

    /// <summary>Writes one command of the array's items to the temporary key; returns the items (pairs count once) and their bytes.</summary>
    protected static (int Items, long Bytes) ChunkItems(IChunkedCopy copy, ReadOnlySpan<byte> array, ReadOnlySpan<byte> command, bool pairs, bool swap)
    {
        var items = RespFrame.Array(array);
        if (items.Count == 0)
        {
            return (0, 0);
        }
        var chunk = copy.Chunk;
        chunk.Command(2 + items.Count).Bulk(command).Bulk(copy.Temp);
        long bytes = 0;
        while (items.MoveNext(out var item))
        {
            RespFrame.TryBulk(item, out var value);
            bytes += value.Length;
            if (swap && items.MoveNext(out var score))
            {
                RespFrame.TryBulk(score, out var scoreText);
                chunk.Bulk(scoreText).Bulk(value);
                bytes += scoreText.Length;
            }
            else
            {
                chunk.Bulk(value);
            }
        }
        return (pairs ? items.Count / 2 : items.Count, bytes);
    }

    /// <summary>HSCAN, SSCAN or ZSCAN to the end of the cursor (an item seen twice is written twice, to the same effect).</summary>
    protected static async Task<bool> ScanChunkedAsync(IChunkedCopy copy, string scan, byte[] write, bool pairs, bool swap, CancellationToken cancellationToken)
    {
        var cursor = "0"u8.ToArray();
        var first = true;
        var count = 128;
        do
        {
            var read = copy.NewRead().Command(5).Bulk(scan).Bulk(copy.Key).Bulk(cursor).Bulk("COUNT"u8).Bulk(count);
            await copy.ReadAsync(read, cancellationToken).ConfigureAwait(false);
            var (items, bytes) = NextPage(copy, write, pairs, swap, ref cursor);
            if (items > 0)
            {
                await copy.SendAsync(bytes, first, cancellationToken).ConfigureAwait(false);
                first = false;
                count = copy.NextCount(items, bytes);
            }
        }
        while (cursor is not [(byte)'0']);
        return !first;
    }

    private static (int Items, long Bytes) NextPage(IChunkedCopy copy, byte[] write, bool pairs, bool swap, ref byte[] cursor)
    {
        var reply = RespFrame.Array(copy.Reply);
        RespFrame.TryBulk(reply.Next(), out var next);
        cursor = next.ToArray();
        return ChunkItems(copy, reply.Next(), write, pairs, swap);
    }

    /// <summary>Scans the source (HSCAN, SSCAN, ZSCAN) and looks each page's items up on the target (HMGET, SMISMEMBER, ZMSCORE).</summary>
    protected async Task<bool> LookupsAsync(ComparedKey pair, string scan, string lookup, bool pairs, CancellationToken cancellationToken)
    {
        var cursor = "0";
        do
        {
            var page = await pair.SourceAsync(cancellationToken, scan, pair.Key, cursor, "COUNT", pair.ChunkItems).ConfigureAwait(false);
            var (next, items) = ScanPage(page, pairs);
            cursor = next;
            if (items.Count == 0)
            {
                continue;
            }
            var found = await pair.TargetAsync(cancellationToken, [lookup, pair.TargetKey, .. items.Select(item => (object)item.Name)]).ConfigureAwait(false);
            var replies = RespFrame.Array(found);
            foreach (var (_, value) in items)
            {
                if (!Found(replies.Next(), value))
                {
                    return false;
                }
            }
        }
        while (cursor != "0");
        return true;
    }

    /// <summary>Whether the target's lookup reply shows the source's item (its value, for pairs).</summary>
    protected virtual bool Found(ReadOnlySpan<byte> reply, byte[]? value) => throw new NotSupportedException($"{Name} values are not compared by lookups");

    private static (string Cursor, List<(byte[] Name, byte[]? Value)> Items) ScanPage(byte[] page, bool pairs)
    {
        var reply = RespFrame.Array(page);
        var cursor = RespFrame.String(reply.Next());
        var items = new List<(byte[], byte[]?)>();
        var list = RespFrame.Array(reply.Next());
        while (list.MoveNext(out var name))
        {
            RespFrame.TryBulk(name, out var nameBytes);
            byte[]? value = null;
            if (pairs && list.MoveNext(out var second))
            {
                RespFrame.TryBulk(second, out var valueBytes);
                value = valueBytes.ToArray();
            }
            items.Add((nameBytes.ToArray(), value));
        }
        return (cursor, items);
    }
}
