using System.Text.Json;

namespace DistributedCopy.Cli;

/// <summary>
/// A sync job's files in the state directory (sync/&lt;job&gt;.*): the lock its process holds while it runs, the marker
/// that it started (so running the same command again resumes it), the status it writes each interval, and the cutover
/// request and report through which `dcopy cutover` talks to it. No passwords are written.
/// </summary>
public sealed class SyncFiles
{
    private SyncFiles(string directory, string job)
    {
        Directory.CreateDirectory(directory);
        Job = job;
        Prefix = Path.Combine(directory, job);
    }

    public string Job { get; }

    private string Prefix { get; }

    public static SyncFiles For(string stateDirectory, string job) => new(Path.Combine(stateDirectory, "sync"), job);

    public bool Started => File.Exists(Prefix + ".started");

    /// <summary>The running sync's lock; null when another process holds it.</summary>
    public FileStream? TryLock()
    {
        try
        {
            return new FileStream(Prefix + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public bool Running
    {
        get
        {
            using var probe = TryLock();
            return probe is null;
        }
    }

    public void MarkStarted(string source, string target) =>
        Write(".started", new { job = Job, source, target, started = DateTimeOffset.UtcNow });

    public void WriteStatus(object status) => Write(".status.json", status);

    public JsonElement? Status => Read(".status.json");

    public void RequestCutover(CutoverRequest request)
    {
        File.Delete(Prefix + ".report.json");
        Write(".cutover", request);
    }

    public CutoverRequest? TakeCutoverRequest()
    {
        if (!File.Exists(Prefix + ".cutover"))
        {
            return null;
        }
        var request = JsonSerializer.Deserialize<CutoverRequest>(File.ReadAllText(Prefix + ".cutover"));
        File.Delete(Prefix + ".cutover");
        return request;
    }

    public void WriteReport(object report) => Write(".report.json", report);

    public JsonElement? Report => Read(".report.json");

    /// <summary>After the cutover: the job is done, a new sync under the same id starts from scratch.</summary>
    public void Finish() => File.Delete(Prefix + ".started");

    private void Write(string suffix, object value)
    {
        var temp = Prefix + suffix + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(value));
        File.Move(temp, Prefix + suffix, overwrite: true);
    }

    private JsonElement? Read(string suffix) =>
        File.Exists(Prefix + suffix) ? JsonDocument.Parse(File.ReadAllText(Prefix + suffix)).RootElement.Clone() : null;
}
