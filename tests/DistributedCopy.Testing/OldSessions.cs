using System.Text;
using StackExchange.Redis;

namespace DistributedCopy.Testing;

/// <summary>
/// Sessions as Microsoft.Web.RedisSessionStateProvider wrote them before 5.0, built from the format notes
/// (docs/aspnet-session-v5.md): <c>{app_id}_Data</c> a hash of one BinaryFormatter stream per item (a null as a stream of
/// Microsoft.Web.Redis.RedisNull), <c>{app_id}_Internal</c> a hash whose SessionTimeout holds seconds, both expiring
/// after that many seconds, and <c>{app_id}_Write_Lock</c> a string of ticks while a request holds the session.
/// </summary>
public static class OldSessions
{
    private static readonly byte[] Header = [0x00, 0x01, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

    /// <summary>A boxed System.Int32 as BinaryFormatter writes it (54 bytes).</summary>
    public static byte[] Int32(int value) => Stream(w =>
    {
        w.Write((byte)0x04);
        w.Write(1);
        w.Write("System.Int32");
        w.Write(1);
        w.Write("m_value");
        w.Write((byte)0x00);
        w.Write((byte)0x08);
        w.Write(value);
    });

    /// <summary>A System.String as BinaryFormatter writes it (a BinaryObjectString record).</summary>
    public static byte[] String(string value) => Stream(w =>
    {
        w.Write((byte)0x06);
        w.Write(1);
        w.Write(value);
    });

    /// <summary>The old provider's null: a stream of its RedisNull class, which has no members.</summary>
    public static byte[] Null() => Stream(w =>
    {
        w.Write((byte)0x0C);
        w.Write(2);
        w.Write("Microsoft.Web.RedisSessionStateProvider, Version=4.0.1.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35");
        w.Write((byte)0x05);
        w.Write(1);
        w.Write("Microsoft.Web.Redis.RedisNull");
        w.Write(0);
        w.Write(2);
    });

    /// <summary>Some object's stream: opaque bytes between the header and the end record.</summary>
    public static byte[] Object(int seed) => Stream(w => w.Write(Enumerable.Range(0, 40 + seed).Select(i => (byte)(i * 7 + seed)).ToArray()));

    /// <summary>Writes one session: its data hash, its timeout, and (when <paramref name="locked"/>) a lock.</summary>
    public static async Task WriteAsync(IDatabase db, string app, string id, IReadOnlyList<(string Name, byte[] Value)> items, int timeoutSeconds, bool locked)
    {
        var tag = "{" + app + "_" + id + "}";
        await db.HashSetAsync(tag + "_Data", [.. items.Select(i => new HashEntry(Encoding.UTF8.GetBytes(i.Name), i.Value))]);
        await db.HashSetAsync(tag + "_Internal", "SessionTimeout", timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await db.KeyExpireAsync(tag + "_Data", TimeSpan.FromSeconds(timeoutSeconds));
        await db.KeyExpireAsync(tag + "_Internal", TimeSpan.FromSeconds(timeoutSeconds));
        if (locked)
        {
            await db.StringSetAsync(tag + "_Write_Lock", DateTime.Now.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await db.KeyExpireAsync(tag + "_Write_Lock", TimeSpan.FromSeconds(110));
        }
    }

    private static byte[] Stream(Action<BinaryWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Header);
            body(writer);
            writer.Write((byte)0x0B);
        }
        return stream.ToArray();
    }
}
