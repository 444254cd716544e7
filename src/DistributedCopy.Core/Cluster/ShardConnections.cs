namespace DistributedCopy.Core.Cluster;

/// <summary>
/// One pipeline's connections to the nodes of one side (its masters; a source read from replicas, their replicas), opened on first use and dropped when the side's topology changes.
/// Each comes with its own command buffer, so a batch is written to every master it touches before any reply is read.
/// </summary>
internal sealed class ShardConnections(ClusterView view) : IAsyncDisposable
{
    private Entry?[] _entries = [];
    private int _version;

    public ClusterView View { get; } = view;

    /// <summary>The topology these connections belong to; take it once per batch and route with it.</summary>
    public Topology Topology { get; private set; } = view.Topology;

    public int Version => _version;

    /// <summary>Adopts the view's current topology, closing connections to the old one.</summary>
    public async ValueTask SyncAsync()
    {
        if (_version == View.Version && _entries.Length > 0)
        {
            return;
        }
        await CloseAsync().ConfigureAwait(false);
        _version = View.Version;
        Topology = View.Topology;
        _entries = new Entry?[Topology.Shards.Count];
    }

    public RespWriter Writer(int shard) => (_entries[shard] ??= new Entry()).Writer;

    public async ValueTask<RespConnection> ConnectionAsync(int shard, CancellationToken cancellationToken)
    {
        var entry = _entries[shard] ??= new Entry();
        return entry.Connection ??= await RespConnection.ConnectAsync(Topology.Shards[shard].ReadNode, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends what was written for each shard; returns how many shards got commands.</summary>
    public async ValueTask SendAllAsync(CancellationToken cancellationToken)
    {
        for (var shard = 0; shard < _entries.Length; shard++)
        {
            if (_entries[shard] is { Writer.Commands: > 0 } entry)
            {
                var connection = await ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
                await connection.SendAsync(entry.Writer, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public bool HasCommands(int shard) => _entries[shard] is { Writer.Commands: > 0 };

    /// <summary>
    /// Sends what was written, then reads one reply per entry <c>i</c> in [<paramref name="from"/>, <paramref name="to"/>)
    /// that <paramref name="sent"/> says got a command, from the shard <paramref name="route"/> names, in the order written;
    /// hands each reply that is not an error to <paramref name="reply"/>, clears the writers and returns the first error's text.
    /// </summary>
    public async Task<string?> SendAndReadEachAsync(int[] route, int from, int to, Func<int, bool> sent, ReplyHandler reply, CancellationToken cancellationToken)
    {
        await SendAllAsync(cancellationToken).ConfigureAwait(false);
        string? error = null;
        try
        {
            for (var shard = 0; shard < _entries.Length; shard++)
            {
                if (!HasCommands(shard))
                {
                    continue;
                }
                var connection = await ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
                for (var i = from; i < to; i++)
                {
                    if (route[i] != shard || !sent(i))
                    {
                        continue;
                    }
                    await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
                    if (RespFrame.IsError(connection.Frame))
                    {
                        error ??= RespFrame.ErrorText(connection.Frame);
                    }
                    else
                    {
                        reply(i, connection.Frame);
                    }
                }
            }
        }
        finally
        {
            ClearWriters();
        }
        return error;
    }

    /// <summary>Clears the command buffers after a batch; big buffers of both writers and connections go back to the pool.</summary>
    /// <summary>
    /// The writes just sent on <paramref name="shards"/> are confirmed the way every writer confirms them: WAIT (on the same
    /// connection, so it covers them) until one replica of each shard that has replicas holds them. A replica that does not
    /// answer in time throws a retryable error: the caller has marked nothing written yet, so the batch is written again.
    /// </summary>
    public async Task AcknowledgedAsync(IEnumerable<int> shards, CopyOptions options, CancellationToken cancellationToken)
    {
        if (!options.WaitForReplicas)
        {
            return;
        }
        foreach (var shard in shards.Distinct().Where(s => Topology.Shards[s].Replicas > 0).ToList())
        {
            var connection = await ConnectionAsync(shard, cancellationToken).ConfigureAwait(false);
            var writer = new RespWriter(64);
            writer.Command(3).Bulk("WAIT"u8).Bulk(1).Bulk((long)options.ReplicaTimeout.TotalMilliseconds);
            await connection.SendAsync(writer, cancellationToken).ConfigureAwait(false);
            await connection.ReadFrameAsync(cancellationToken).ConfigureAwait(false);
            if (RespFrame.IsError(connection.Frame) || RespFrame.Integer(connection.Frame) < 1)
            {
                throw new Resilience.TopologyChangedException($"no replica of {Topology.Shards[shard].Master.Address} acknowledged the batch within {options.ReplicaTimeout.TotalSeconds:F0} s");
            }
        }
    }

    public void ClearWriters()
    {
        foreach (var entry in _entries)
        {
            if (entry is null)
            {
                continue;
            }
            if (entry.Writer.Commands == 0)
            {
                // a shard this round did not touch (the pipeline moved on to another partition's): its buffers go back,
                // or a pipeline of a copy between many shards would keep a batch's worth for every shard it ever wrote
                entry.Writer.Release();
                entry.Connection?.Release();
                continue;
            }
            entry.Writer.Clear();
            entry.Connection?.Compact();
        }
    }

    /// <summary>Closes every connection (after an error its reply stream is out of step).</summary>
    public async ValueTask CloseAsync()
    {
        foreach (var entry in _entries)
        {
            if (entry?.Connection is { } connection)
            {
                entry.Connection = null;
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            entry?.Writer.Clear();
        }
    }

    public ValueTask DisposeAsync() => CloseAsync();

    private sealed class Entry
    {
        // grows to what a batch for this shard takes; small to start, as a pipeline holds one per master
        public RespWriter Writer { get; } = new(4 * 1024);

        public RespConnection? Connection { get; set; }
    }
}
