namespace DistributedCopy.Core.Rdb;

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
    private readonly Dictionary<int, ClusterView> _targets = [];

    private RdbLoader(string path, ClusterView target, CopyOptions options, int version)
    {
        _path = path;
        _target = target;
        _options = options;
        Stats.Version = version;
    }

    /// <summary>The load's counters (a sync that loads several snapshots passes its own, so they add up).</summary>
    public CopyProgress Progress { get; init; } = new();

    public RdbFileStats Stats { get; } = new();

    /// <summary>
    /// Reads the file's header and the target's shape; refuses a file the target cannot restore, and a damaged one (the whole
    /// file's checksum, once per process and state of the file, whatever position a load starts from).
    /// <paramref name="fingerprint"/> (<see cref="RdbFingerprint"/>) says which file a job checked when it started: a file
    /// that is not that one is refused.
    /// </summary>
    public static async Task<RdbLoader> OpenAsync(string path, RedisEndpoint target, CopyOptions options, CancellationToken cancellationToken = default, string? fingerprint = null, CopyProgress? progress = null)
    {
        if (!File.Exists(path))
        {
            throw new CopyException($"there is no file {path} here ({Environment.MachineName})");
        }
        if (fingerprint is not null && RdbFingerprint.Of(path) != fingerprint)
        {
            throw new CopyException($"the file {path} is not the one this job started with (its size or contents changed): nothing more was loaded from it");
        }
        int version;
        using (var reader = new RdbFileReader(File.OpenRead(path)))
        {
            reader.ReadHeader();
            version = reader.Version;
        }
        // a damaged byte anywhere would be restored as it is (a payload's checksum is computed from the bytes read), and a
        // resume seeks past the start, so the end's checksum is never met: the whole file is checked before anything is written
        await CheckWholeOnceAsync(path, version).WaitAsync(cancellationToken).ConfigureAwait(false);
        var view = await ClusterView.OpenAsync(target, options.AddressMap, cancellationToken).ConfigureAwait(false);
        if (version > view.Topology.RdbVersion && options.Mode == CopyMode.Dump)
        {
            throw new CopyException($"the file {Path.GetFileName(path)} is RDB version {version}, newer than the target (Redis {view.Topology.RedisVersion}) restores (RDB version {view.Topology.RdbVersion} or older); load it into Redis {Rdb.RdbVersions.MinimumRedisFor(version)} or newer, or leave out --mode dump to write its values by type");
        }
        return new RdbLoader(path, view, options, version) { Progress = progress ?? new() };
    }

    /// <summary>The target's view for the file's <paramref name="database"/> (<see cref="TargetDatabase"/>).</summary>
    private async Task<ClusterView> TargetForAsync(int database, CancellationToken cancellationToken)
    {
        var seed = _target.Seed;
        var into = TargetDatabase(database, seed, _options.Selection);
        if (_target.Topology.IsCluster || into == seed.Database)
        {
            return _target;
        }
        if (!_targets.TryGetValue(into, out var view))
        {
            _targets[into] = view = await ClusterView.OpenAsync(seed with { Database = into, NamesDatabase = true }, _options.AddressMap, cancellationToken).ConfigureAwait(false);
        }
        return view;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Path, long Length, DateTime Written), Lazy<Task>> Checked = new();

    /// <summary>The whole file's checksum checked once per process and file state (a file rewritten is checked again).</summary>
    private static Task CheckWholeOnceAsync(string path, int version)
    {
        var file = new FileInfo(path);
        var check = Checked.GetOrAdd((file.FullName, file.Length, file.LastWriteTimeUtc), _ => new Lazy<Task>(() => Task.Run(() => RdbFileReader.CheckWhole(path, version))));
        if (check.Value.IsFaulted)
        {
            // a failed check is not remembered: the next open reads the file again
            Checked.TryRemove(new KeyValuePair<(string, long, DateTime), Lazy<Task>>((file.FullName, file.Length, file.LastWriteTimeUtc), check));
        }
        return check.Value;
    }

    /// <summary>
    /// The target database the file's <paramref name="database"/> goes to: --db-map's, else the one the target endpoint
    /// names, else the same number (a cluster: 0, checked before a job starts).
    /// </summary>
    public static int TargetDatabase(int database, RedisEndpoint target, KeySelection selection) =>
        selection.TargetDatabase(database) ?? (target.NamesDatabase ? target.Database : database);

    /// <summary>Writes the keys of <paramref name="database"/>; keys of other databases are counted in <see cref="Stats"/>.</summary>
    public Task LoadAsync(int database = 0, CancellationToken cancellationToken = default) => LoadAsync(database, RdbPosition.Start, committed: null, cancellationToken);

    /// <summary>
    /// Writes the keys of <paramref name="database"/> from <paramref name="position"/> on; <paramref name="committed"/> gets,
    /// in order, positions from which a resumed load loses nothing. Keys of other databases and what the file holds that is
    /// not copied become notes of <see cref="Progress"/>.
    /// </summary>
    public Task LoadAsync(int database, string position, Action<string>? committed, CancellationToken cancellationToken = default, IReadOnlyCollection<int>? alsoLoaded = null) =>
        LoadAsync(database, position, committed, null, cancellationToken, alsoLoaded);

    /// <summary>Writes the keys of <paramref name="database"/> from <paramref name="position"/> on, each position committed and the keys it covers counted in <paramref name="ledger"/>.</summary>
    public Task LoadAsync(int database, string position, CheckpointLedger ledger, CancellationToken cancellationToken = default, IReadOnlyCollection<int>? alsoLoaded = null) =>
        LoadAsync(database, position, null, ledger, cancellationToken, alsoLoaded);

    private async Task LoadAsync(int database, string position, Action<string>? committed, CheckpointLedger? ledger, CancellationToken cancellationToken, IReadOnlyCollection<int>? alsoLoaded)
    {
        var target = await TargetForAsync(database, cancellationToken).ConfigureAwait(false);
        var runner = new PipelineRunner(_options, Progress);
        var estimate = new PayloadEstimate();
        var budget = new ByteBudget(_options.MaxBytesInFlight);
        if (_options.CopyFunctions)
        {
            await LoadFunctionsAsync(cancellationToken).ConfigureAwait(false);
        }
        var source = new RdbFileSource(_path, database, Stats, _options.MaxBatchBytes, position, committed, ledger);
        // auto: by RESTORE as the file holds each value, decoded and by type where the target refuses the payload (a newer
        // RDB version, a type it lacks); typed: every value decoded; dump: RESTORE only
        await runner.RunAsync([source], () => new CopyPipeline(null, _options.Mode == CopyMode.Dump ? new RestoreWriter(target, _options) : new RoutingWriter(target, _options, Progress, new PayloadDecoder()),
            _options, Progress, estimate, budget), cancellationToken, _options.Selection).ConfigureAwait(false);
        if (source.Damage is { } damage)
        {
            throw new CopyException($"{Path.GetFileName(_path)}: {damage.Message}; every key before it is written and checkpointed");
        }
        foreach (var (other, keys) in Stats.OtherDatabases.Where(o => alsoLoaded?.Contains(o.Key) != true).OrderBy(o => o.Key))
        {
            Progress.AddNote($"{Path.GetFileName(_path)}: database {other} holds {keys:N0} keys, not loaded (--db {other} loads it)");
        }
        if (Stats.Expired > 0)
        {
            Progress.AddNote($"{Path.GetFileName(_path)}: {Stats.Expired:N0} keys had expired already; left out");
        }
        foreach (var note in Stats.Notes)
        {
            Progress.AddNote($"{Path.GetFileName(_path)}: {note}");
        }
    }

    /// <summary>
    /// Compares every key of <paramref name="database"/> in the file (expired ones left out, filters and renames as for the
    /// load) with the target: missing, of another type, another value, expiry further apart than <paramref name="ttlToleranceMs"/>.
    /// Keys the target holds beyond the file's are not looked for. Writes nothing.
    /// </summary>
    public async Task<VerifyResult> VerifyAsync(int database, long ttlToleranceMs, int maxExamples, CancellationToken cancellationToken = default)
    {
        var result = new VerifyResult(maxExamples) { SkipExisting = _options.Policy == OverwritePolicy.SkipExisting };
        var target = await TargetForAsync(database, cancellationToken).ConfigureAwait(false);
        var runner = new PipelineRunner(_options, Progress);
        await runner.RunAsync([new RdbFileSource(_path, database, new RdbFileStats(), _options.MaxBatchBytes, RdbPosition.Start, null)],
            () => new FileBatchVerifier(target, _options, Progress, result, ttlToleranceMs), cancellationToken, _options.Selection).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// The file's function libraries (records before its first key; read again on a resume) loaded into every target
    /// master with FUNCTION LOAD REPLACE: a cluster runs a function on the master that owns its keys.
    /// </summary>
    private async Task LoadFunctionsAsync(CancellationToken cancellationToken)
    {
        var libraries = new List<string>();
        using (var reader = new RdbFileReader(File.OpenRead(_path)))
        {
            reader.ReadHeader();
            libraries.AddRange(reader.FunctionsBeforeKeys());
        }
        if (libraries.Count == 0)
        {
            return;
        }
        foreach (var master in _target.Topology.Shards.Select(s => s.Master))
        {
            await using var connection = await RespConnection.ConnectAsync(master, cancellationToken).ConfigureAwait(false);
            foreach (var code in libraries)
            {
                try
                {
                    _options.Fence?.Check();
                    await connection.ExecuteAsync("FUNCTION", "LOAD", "REPLACE", code).ConfigureAwait(false);
                }
                catch (RespException ex)
                {
                    throw new CopyException($"--functions: {master.Address} refuses FUNCTION LOAD ({ex.Message}); leave out --functions to load the keys alone");
                }
            }
        }
        Progress.AddNote($"{Path.GetFileName(_path)}: {libraries.Count} function libraries loaded into {_target.Topology.Shards.Count} target master(s)");
    }

    /// <summary>Reads the whole file without writing anything: what <c>dcopy plan</c> prints of a file (up to damage, if any).</summary>
    public static RdbFileStats Summarize(string path)
    {
        var stats = new RdbFileStats();
        using var reader = new RdbFileReader(File.OpenRead(path));
        reader.ReadHeader();
        stats.Version = reader.Version;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        try
        {
            foreach (var entry in reader.Entries())
            {
                if (entry.Expiry >= 0 && entry.Expiry <= now)
                {
                    stats.AddExpired();
                }
                else
                {
                    stats.AddKey(entry.Type, entry.Payload.Length);
                    stats.AddDatabase(entry.Database, HashSlot.Of(entry.Key));
                    if (entry.Expiry >= 0)
                    {
                        stats.AddExpiring();
                    }
                }
            }
        }
        catch (RdbFileException ex)
        {
            // a load writes the keys before the damage and pauses there: say so, with what comes before it
            stats.Damage = ex.Message;
        }
        stats.Notes.AddRange(reader.Notes);
        return stats;
    }
}
