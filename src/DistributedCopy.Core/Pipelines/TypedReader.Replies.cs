namespace DistributedCopy.Core.Pipelines;

// TypedReader, part 2: the commands that read each type, and their replies parsed into a TypedValue.
internal sealed partial class TypedReader
{
    private static string[][] Commands(string type, ReadOnlySpan<byte> key) => type switch
    {
        "string" => [["GET"]],
        "hash" => [["HGETALL"]],
        "set" => [["SMEMBERS"]],
        "zset" => [["ZRANGE", "0", "-1", "WITHSCORES"]],
        "list" => [["LRANGE", "0", "-1"]],
        // one reply with the entries, the counters, the groups, their consumers and pending entries (Redis 6 and later)
        "stream" => [["XINFO", "STREAM", "FULL", "COUNT", "0"]],
        _ => throw new CopyException($"key {KeyText.Printable(key)} is of type {type}, which only DUMP/RESTORE copies (--mode dump, to a target that restores it)"),
    };

    private static void Parse(TypedValue value, ReadOnlySpan<byte> frame)
    {
        if (RespFrame.IsNull(frame))
        {
            value.Vanished = true;
            return;
        }
        if (value.Type == "string")
        {
            RespFrame.TryBulk(frame, out var bytes);
            value.Items.Add(bytes.ToArray());
            return;
        }
        if (value.Type != "stream")
        {
            var items = RespFrame.Array(frame);
            value.Vanished = items.Count == 0;
            while (items.MoveNext(out var item))
            {
                value.Items.Add(Bytes(item));
            }
            return;
        }
        ParseStream(value, frame);
    }

    /// <summary>XINFO STREAM key FULL: a flat field/value reply whose entries and groups are nested.</summary>
    private static void ParseStream(TypedValue value, ReadOnlySpan<byte> frame)
    {
        Fields(frame, value.StreamInfo);
        var fields = RespFrame.Array(frame);
        while (fields.MoveNext(out var name) && fields.MoveNext(out var field))
        {
            switch (RespFrame.String(name))
            {
                case "entries":
                    var entries = RespFrame.Array(field);
                    while (entries.MoveNext(out var entry))
                    {
                        var pair = RespFrame.Array(entry);
                        var id = Bytes(pair.Next());
                        value.Entries.Add((id, Items(pair.Next())));
                    }
                    break;
                case "groups":
                    var groups = RespFrame.Array(field);
                    while (groups.MoveNext(out var groupFrame))
                    {
                        value.Groups.Add(ParseGroup(groupFrame));
                    }
                    break;
            }
        }
    }

    private static StreamGroup ParseGroup(ReadOnlySpan<byte> frame)
    {
        var group = new StreamGroup();
        Fields(frame, group.Fields);
        var fields = RespFrame.Array(frame);
        while (fields.MoveNext(out var name) && fields.MoveNext(out var field))
        {
            switch (RespFrame.String(name))
            {
                case "pending" or "pel":
                    var pel = RespFrame.Array(field);
                    while (pel.MoveNext(out var pending))
                    {
                        // [id, consumer, delivery-time, delivery-count]
                        var parts = RespFrame.Array(pending);
                        group.Pending.Add((Bytes(parts.Next()), Bytes(parts.Next()), RespFrame.Integer(parts.Next()), RespFrame.Integer(parts.Next())));
                    }
                    break;
                case "consumers":
                    var consumers = RespFrame.Array(field);
                    while (consumers.MoveNext(out var consumer))
                    {
                        var consumerFields = new Dictionary<string, string>(StringComparer.Ordinal);
                        Fields(consumer, consumerFields);
                        group.Consumers.Add(System.Text.Encoding.UTF8.GetBytes(consumerFields.GetValueOrDefault("name", "")));
                    }
                    break;
            }
        }
        return group;
    }

    private static List<byte[]> Items(ReadOnlySpan<byte> frame)
    {
        var items = new List<byte[]>();
        var list = RespFrame.Array(frame);
        while (list.MoveNext(out var item))
        {
            items.Add(Bytes(item));
        }
        return items;
    }

    /// <summary>The scalar fields of a flat field/value reply (XINFO's); nested values are passed over.</summary>
    internal static void Fields(ReadOnlySpan<byte> frame, Dictionary<string, string> into)
    {
        var pairs = RespFrame.Array(frame);
        while (pairs.MoveNext(out var name) && pairs.MoveNext(out var field))
        {
            if (field[0] is (byte)':' or (byte)'$' or (byte)'+' && !RespFrame.IsNull(field))
            {
                into[RespFrame.String(name)] = field[0] == (byte)':' ? RespFrame.Integer(field).ToString(System.Globalization.CultureInfo.InvariantCulture) : RespFrame.String(field);
            }
        }
    }

    private static byte[] Bytes(ReadOnlySpan<byte> frame) =>
        frame[0] == (byte)':' ? System.Text.Encoding.ASCII.GetBytes(RespFrame.Integer(frame).ToString(System.Globalization.CultureInfo.InvariantCulture))
        : RespFrame.TryBulk(frame, out var bytes) ? bytes.ToArray() : [];
}
