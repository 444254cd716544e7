namespace DistributedCopy.Core.Sources;

/// <summary>
/// What every listing of a live source shares: one connection a node (opened on first use), a listing step run again with a
/// fresh topology after a dropped connection or a failover (under the engine's one retry policy), and the SCAN walk.
/// </summary>
internal sealed class SourceNodes(ClusterView view, CopyOptions options, CopyProgress progress) : IAsyncDisposable
{
    private readonly Dictionary<string, RespConnection> _connections = new(StringComparer.Ordinal);

    public ClusterView View => view;

    public CopyOptions Options => options;

    public CopyProgress Progress => progress;

    /// <summary>Runs <paramref name="step"/>; after a transient error, closes the connections, re-reads the topology and runs it again.</summary>
    public Task RunStepAsync(Func<Task> step, CancellationToken cancellationToken)
    {
        var version = view.Version;
        return Retry.RunAsync(options, progress, _ =>
        {
            version = view.Version;
            return step();
        }, CloseAsync, [(view, () => version)], cancellationToken);
    }

    public async Task<RespConnection> ConnectionAsync(RedisEndpoint node, CancellationToken cancellationToken)
    {
        if (!_connections.TryGetValue(node.Address, out var connection))
        {
            connection = await RespConnection.ConnectAsync(node, cancellationToken).ConfigureAwait(false);
            _connections[node.Address] = connection;
        }
        return connection;
    }

    /// <summary>
    /// SCAN from <paramref name="cursor"/> to the end into <paramref name="output"/>; keys of slots outside
    /// <paramref name="filter"/> (when given) are passed over; <paramref name="reached"/> gets each cursor once its keys are added.
    /// </summary>
    public async Task ScanAsync(RespConnection connection, string cursor, BatchBuilder output, HashSet<int>? filter, SlotTracker? tracker,
        Action<string>? reached, CancellationToken cancellationToken)
    {
        var writer = new RespWriter(256);
        // one --match glob the server can apply itself (every other rule is applied as keys are added)
        var match = output.Selection is { Match.Count: 1 } selection ? selection.Match[0] : null;
        do
        {
            writer.Clear();
            writer.Command(match is null ? 4 : 6).Bulk("SCAN"u8).Bulk(cursor).Bulk("COUNT"u8).Bulk(options.ScanCount);
            if (match is not null)
            {
                writer.Bulk("MATCH"u8).Bulk(match);
            }
            await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
            await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            RespConnection.ThrowIfError(connection.Frame);
            var reply = RespFrame.Array(connection.Frame);
            cursor = RespFrame.String(reply.Next());
            output.AddKeys(reply.Next(), slot: -1, filter, tracker);
            reached?.Invoke(cursor);
            await output.DrainAsync(cancellationToken).ConfigureAwait(false);
        }
        while (cursor != "0");
    }

    public async Task CloseAsync()
    {
        foreach (var connection in _connections.Values)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        _connections.Clear();
    }

    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);
}
