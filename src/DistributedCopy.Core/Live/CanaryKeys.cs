namespace DistributedCopy.Core.Live;

/// <summary>
/// Canary keys: <c>dcopy:canary:{tag}:&lt;sync&gt;:&lt;n&gt;</c>, the tag putting the key in a chosen slot (of the master whose
/// feed it proves), written by one <c>MULTI; SET … PX 60000; DEL …; EXEC</c> that leaves nothing behind.
/// </summary>
internal static class CanaryKeys
{
    public static string Key(int slot, string token, long n) =>
        $"dcopy:canary:{{{HashSlot.Tag(slot)}}}:{token}:{n.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>One canary write: <c>MULTI; SET key 1 PX 60000; DEL key; EXEC</c>; the server's refusal, or null.</summary>
    internal static async Task<string?> WriteAsync(RespConnection connection, string key, CancellationToken cancellationToken)
    {
        var writer = new RespWriter(256);
        writer.Command("MULTI");
        writer.Command("SET", key, "1", "PX", "60000");
        writer.Command("DEL", key);
        writer.Command("EXEC");
        await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
        string? refused = null;
        for (var i = 0; i < 4; i++)
        {
            await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            refused ??= RespFrame.IsError(connection.Frame) ? RespFrame.ErrorText(connection.Frame) : null;
        }
        return refused;
    }
}
