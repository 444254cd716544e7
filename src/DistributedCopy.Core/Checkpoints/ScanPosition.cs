namespace DistributedCopy.Core.Checkpoints;

/// <summary>
/// A checkpointed SCAN position of a standalone database: "run_id/cursor". A cursor is valid only on the server process
/// that returned it (a restart or failover changes the hash seed and the table), so the run_id travels with it.
/// "0" is the start; SCAN's last cursor (its "0" again) is <see cref="End"/>: the database is done, and a lease that resumes
/// there lists nothing (SCAN's "0" as a position would mean copying the whole database again). A cursor without a run_id
/// (older checkpoints) restarts the scan.
/// </summary>
public static class ScanPosition
{
    public const string Start = "0";

    public const string End = "end";

    public static string Format(string runId, string cursor) => cursor == Start ? End : runId + "/" + cursor;

    public static (string? RunId, string Cursor) Parse(string? position)
    {
        if (string.IsNullOrEmpty(position) || position == Start)
        {
            return (null, Start);
        }
        var slash = position.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (null, position) : (position[..slash], position[(slash + 1)..]);
    }
}
