namespace DistributedCopy.Core;

/// <summary>
/// The two sides of a job as the copy engine and the verifier see them: the views opened at the start, the views of the
/// other databases of standalone servers (opened once, on first use), and what a run over the whole source covers.
/// </summary>
internal sealed class EngineSides(ClusterView source, ClusterView target, CopyOptions options) : IDisposable
{
    private readonly Dictionary<int, ClusterView> _databaseViews = [];
    private readonly SemaphoreSlim _viewsGate = new(1, 1);

    public ClusterView Source { get; } = source;

    public ClusterView Target { get; } = target;

    public static async Task<EngineSides> OpenAsync(RedisEndpoint source, RedisEndpoint target, CopyOptions options, CancellationToken cancellationToken)
    {
        options.Validate();
        ClusterView? sourceView = null, targetView = null;
        // a node that does not answer for a moment (a failover, a restart) is retried like any other transient error
        await Retry.RunAsync(options, new CopyProgress(), async _ =>
        {
            sourceView ??= await ClusterView.OpenAsync(source, options.AddressMap, cancellationToken, options.ReadFromReplica).ConfigureAwait(false);
            targetView ??= await ClusterView.OpenAsync(target, options.AddressMap, cancellationToken).ConfigureAwait(false);
        }, () => Task.CompletedTask, [], cancellationToken).ConfigureAwait(false);
        return new EngineSides(sourceView!, targetView!, options);
    }

    /// <summary>Databases of a standalone source that hold keys (from INFO keyspace); [0] for a cluster.</summary>
    public async Task<IReadOnlyList<int>> SourceDatabasesAsync(CancellationToken cancellationToken)
    {
        if (Source.Topology.IsCluster)
        {
            return [0];
        }
        return (await Topology.DatabasesAsync(Source.Seed, cancellationToken).ConfigureAwait(false)).Select(d => d.Database).ToList();
    }

    /// <summary>Everything: every slot of a cluster source, or every database of a standalone one that holds keys (or the one its endpoint names).</summary>
    public async Task AllAsync(Func<IReadOnlyList<SlotRange>, Task> slots, Func<int, Task> database, CancellationToken cancellationToken)
    {
        if (Source.Topology.IsCluster)
        {
            await slots([new SlotRange(0, HashSlot.Count - 1)]).ConfigureAwait(false);
            return;
        }
        var databases = Source.Seed.NamesDatabase ? [Source.Seed.Database] : await SourceDatabasesAsync(cancellationToken).ConfigureAwait(false);
        if (Target.Topology.IsCluster && databases.Any(d => (options.Selection.TargetDatabase(d) ?? d) != 0))
        {
            throw new CopyException($"the source holds keys in databases {string.Join(", ", databases)}, but a cluster target has only database 0: merge them with --db-map '*=0', or copy one database at a time");
        }
        foreach (var number in databases)
        {
            await database(number).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The views of one database of a standalone source, and of where it goes: the same database of a standalone target
    /// (unless the target's endpoint names one database for all), or a cluster target.
    /// </summary>
    public async Task<(ClusterView Source, ClusterView Target)> ForDatabaseAsync(int database, CancellationToken cancellationToken)
    {
        if (Source.Topology.IsCluster)
        {
            throw new CopyException("the source is a cluster: copy it by slots");
        }
        var source = await ViewAsync(Source, database, cancellationToken).ConfigureAwait(false);
        var into = options.Selection.TargetDatabase(database);
        if (Target.Topology.IsCluster && into is > 0)
        {
            throw new CopyException($"--db-map {database}={into}: a cluster target has only database 0");
        }
        var target = Target.Topology.IsCluster ? Target
            : await ViewAsync(Target, into ?? (Target.Seed.NamesDatabase ? Target.Seed.Database : database), cancellationToken).ConfigureAwait(false);
        return (source, target);
    }

    public void Dispose() => _viewsGate.Dispose();

    private async Task<ClusterView> ViewAsync(ClusterView view, int database, CancellationToken cancellationToken)
    {
        if (view.Seed.Database == database)
        {
            return view;
        }
        await _viewsGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var key = (view == Source ? 1 : -1) * (database + 1);
            if (!_databaseViews.TryGetValue(key, out var dbView))
            {
                dbView = await ClusterView.OpenAsync(view.Seed with { Database = database }, options.AddressMap, cancellationToken, view.ReadsReplicas).ConfigureAwait(false);
                _databaseViews[key] = dbView;
            }
            return dbView;
        }
        finally
        {
            _viewsGate.Release();
        }
    }
}
