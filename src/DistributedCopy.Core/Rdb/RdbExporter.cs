namespace DistributedCopy.Core.Rdb;

/// <summary>
/// Writes a live source to RDB files: one per master of a cluster (named by its address), one per database of a
/// standalone server that holds keys (db N), each from DUMP payloads with their expiry at the source's RDB version,
/// checksummed — for backups and for services that import RDB files. Keys are listed and read as a copy reads them.
/// </summary>
public sealed class RdbExporter
{
    private readonly ClusterView _source;
    private readonly CopyOptions _options;

    private RdbExporter(ClusterView source, CopyOptions options) => (_source, _options) = (source, options);

    public CopyProgress Progress { get; } = new() { CountsCopies = false };

    public static async Task<RdbExporter> OpenAsync(RedisEndpoint source, CopyOptions options, CancellationToken cancellationToken = default) =>
        new(await ClusterView.OpenAsync(source, options.AddressMap, cancellationToken, options.ReadFromReplica).ConfigureAwait(false), options);

    /// <summary>Writes the files into <paramref name="directory"/>; returns each file with its keys and bytes.</summary>
    public async Task<IReadOnlyList<(string Path, long Keys, long Bytes)>> ExportAsync(string directory, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        var written = new List<(string, long, long)>();
        var runner = new PipelineRunner(_options, Progress);
        var (estimate, budget) = (new PayloadEstimate(), new ByteBudget(_options.MaxBytesInFlight));
        if (_source.Topology.IsCluster)
        {
            var files = _source.Topology.Shards.Select(s => new RdbFileWriter(System.IO.Path.Combine(directory, s.Master.Address.Replace(':', '_') + ".rdb"), 0, _source.Topology.RdbVersion)).ToList();
            await RunAsync(runner, SlotSource.ForShards(_source, [new SlotRange(0, HashSlot.Count - 1)], new SlotTracker(_ => { }), _options, Progress), _source, files, estimate, budget, cancellationToken).ConfigureAwait(false);
            written.AddRange(files.Select(f => (f.Path, f.Keys, f.Bytes)));
            return written;
        }
        var databases = _source.Seed.NamesDatabase ? [_source.Seed.Database] : (await Topology.DatabasesAsync(_source.Seed, cancellationToken).ConfigureAwait(false)).Select(d => d.Database).ToList();
        foreach (var database in databases)
        {
            var view = await ClusterView.OpenAsync(_source.Seed with { Database = database }, _options.AddressMap, cancellationToken, _options.ReadFromReplica).ConfigureAwait(false);
            var file = new RdbFileWriter(System.IO.Path.Combine(directory, $"db{database}.rdb"), database, _source.Topology.RdbVersion);
            await RunAsync(runner, [new ScanSource(view, database, ScanPosition.Start, null, _options, Progress)], view, [file], estimate, budget, cancellationToken).ConfigureAwait(false);
            written.Add((file.Path, file.Keys, file.Bytes));
        }
        return written;
    }

    private async Task RunAsync(PipelineRunner runner, IReadOnlyList<IKeySource> sources, ClusterView view, List<RdbFileWriter> files, PayloadEstimate estimate, ByteBudget budget, CancellationToken cancellationToken)
    {
        try
        {
            await runner.RunAsync(sources, () => new CopyPipeline(new DumpReader(view), new ExportWriter(view, files), _options, Progress, estimate, budget), cancellationToken, _options.Selection).ConfigureAwait(false);
            foreach (var file in files)
            {
                file.Finish();
            }
        }
        finally
        {
            foreach (var file in files)
            {
                file.Dispose();
            }
        }
    }
}
