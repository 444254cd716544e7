using System.Globalization;

namespace DistributedCopy.Abstractions;

/// <summary>
/// A worker grain's key: its job and its index in the job, as the grain's string key "JOB/INDEX" (a job's id may itself hold
/// '/', the index is after the last one). The coordinator makes it, the worker reads its job and index back from it.
/// </summary>
public readonly record struct WorkerKey(string JobId, int Index)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{JobId}/{Index}");

    public static WorkerKey Parse(string key) => TryParse(key, out var worker) ? worker : throw new FormatException($"a worker's key is JOB/INDEX, not {key}");

    public static bool TryParse(string key, out WorkerKey worker)
    {
        var slash = key.LastIndexOf('/');
        if (slash > 0 && int.TryParse(key.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            worker = new WorkerKey(key[..slash], index);
            return true;
        }
        worker = default;
        return false;
    }
}
