namespace DistributedCopy.Core.Pipelines;

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

    /// <summary>A redirect means the topology moved under the batch (retried with a fresh one); anything else is the server's error.</summary>
    public static Exception Classify(string errorText, string side) =>
        errorText.StartsWith("MOVED ", StringComparison.Ordinal) || errorText.StartsWith("ASK ", StringComparison.Ordinal)
            ? new TopologyChangedException($"the {side} redirected: {errorText}")
            : new RedisErrorException(errorText);
}
