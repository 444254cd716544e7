namespace DistributedCopy.Core.Files;

/// <summary>
/// Loads one database of an RDB file into a target (a cluster, each key to the master owning its slot, in parallel; or a
/// standalone server): each key's value bytes become a RESTORE payload as they are, with the file's RDB version, so the
/// target must restore that version (checked before anything is written). Expired keys are left out; expiry stays
/// absolute. The file's filters and renames are the engine's (<see cref="CopyOptions.Selection"/>).
/// </summary>
public sealed class RdbLoader
{
    private readonly string _path;
    private readonly ClusterView _target;
    private readonly CopyOptions _options;

    private RdbLoader(string path, ClusterView target, CopyOptions options, int version)
    {
        _path = path;
        _target = target;
        _options = options;
        Stats.Version = version;
    }

    public CopyProgress Progress { get; } = new();

    public RdbFileStats Stats { get; } = new();

    /// <summary>Reads the file's header and the target's shape; refuses a file the target cannot restore.</summary>
    public static async Task<RdbLoader> OpenAsync(string path, RedisEndpoint target, CopyOptions options, CancellationToken cancellationToken = default)
    {
        int version;
        using (var reader = new RdbFileReader(File.OpenRead(path)))
        {
            reader.ReadHeader();
            version = reader.Version;
        }
        // a damaged byte anywhere would otherwise be restored as it is: the whole file is checked before anything is written
        await Task.Run(() => RdbFileReader.CheckWhole(path, version), cancellationToken).ConfigureAwait(false);
        var view = await ClusterView.OpenAsync(target, options.AddressMap, cancellationToken).ConfigureAwait(false);
        if (version > view.Topology.RdbVersion)
        {
            throw new CopyException($"the file {Path.GetFileName(path)} is RDB version {version}, newer than the target (Redis {view.Topology.RedisVersion}) restores (RDB version {view.Topology.RdbVersion} or older); load it into Redis {Rdb.RdbVersions.MinimumRedisFor(version)} or newer");
        }
        return new RdbLoader(path, view, options, version);
    }

    /// <summary>Writes the keys of <paramref name="database"/>; keys of other databases are counted in <see cref="Stats"/>.</summary>
    public Task LoadAsync(int database = 0, CancellationToken cancellationToken = default)
    {
        var runner = new PipelineRunner(_options, Progress);
        var estimate = new PayloadEstimate();
        var budget = new ByteBudget(_options.MaxBytesInFlight);
        return runner.RunAsync([new RdbFileSource(_path, database, Stats, _options.MaxBatchBytes)],
            () => new CopyPipeline(null, new RestoreWriter(_target, _options), _options, Progress, estimate, budget), cancellationToken, _options.Selection);
    }

    /// <summary>Reads the whole file without writing anything: what <c>dcopy plan</c> prints of a file.</summary>
    public static RdbFileStats Summarize(string path)
    {
        var stats = new RdbFileStats();
        using var reader = new RdbFileReader(File.OpenRead(path));
        reader.ReadHeader();
        stats.Version = reader.Version;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var entry in reader.Entries())
        {
            if (entry.Expiry >= 0 && entry.Expiry <= now)
            {
                stats.AddExpired();
            }
            else
            {
                stats.AddKey(entry.Type, entry.Payload.Length);
                stats.AddDatabase(entry.Database);
            }
        }
        stats.Notes.AddRange(reader.Notes);
        return stats;
    }
}
