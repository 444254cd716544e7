namespace DistributedCopy.Core.Resilience;

/// <summary>What a server's error reply means for the copy: the one list of errors worth another try.</summary>
internal static class ServerErrors
{
    /// <summary>Error codes a server answers while it fails over, loads or reshards.</summary>
    private static readonly string[] Transient = ["MOVED ", "ASK ", "LOADING", "TRYAGAIN", "CLUSTERDOWN", "MASTERDOWN", "READONLY"];

    public static bool IsTransient(string errorText)
    {
        foreach (var code in Transient)
        {
            if (errorText.StartsWith(code, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// A RESTORE the target will never take, whatever the retry: a payload version or type it does not read, arguments
    /// (REPLACE, ABSTTL) it does not know, no RESTORE at all, or a user without permission for it.
    /// </summary>
    public static bool IsRestoreRefusal(string errorText) =>
        errorText.StartsWith("ERR DUMP payload version or checksum are wrong", StringComparison.Ordinal)
        || errorText.StartsWith("ERR Bad data format", StringComparison.OrdinalIgnoreCase)
        || errorText.StartsWith("ERR wrong number of arguments", StringComparison.OrdinalIgnoreCase)
        || errorText.StartsWith("ERR unknown command", StringComparison.OrdinalIgnoreCase)
        || errorText.StartsWith("ERR syntax error", StringComparison.OrdinalIgnoreCase)
        || errorText.StartsWith("NOPERM", StringComparison.Ordinal);

    /// <summary>A redirect means the topology moved under the batch (retried with a fresh one); anything else is the server's error.</summary>
    public static Exception Classify(string errorText, string side) =>
        errorText.StartsWith("MOVED ", StringComparison.Ordinal) || errorText.StartsWith("ASK ", StringComparison.Ordinal)
            ? new TopologyChangedException($"the {side} redirected: {errorText}")
            : new RedisErrorException(errorText);
}
