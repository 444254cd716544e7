using System.Globalization;

namespace DistributedCopy.Core.Replication;

// ReplicationSync, part 4: the snapshot, what the master says, and the counters.
public sealed partial class ReplicationSync
{
    /// <summary>
    /// The snapshot: the master's RDB into a file (the stream meanwhile spooled), the markers of an earlier run removed (the
    /// offsets start again) and, when the sync had run before (<paramref name="emptyFirst"/>), the followed slots (or
    /// database) emptied on the target, then every key of the synced database loaded into the target.
    /// </summary>
    private async Task LoadSnapshotAsync(ReplicationMirror mirror, bool emptyFirst, CancellationToken cancellationToken)
    {
        var file = Path.Combine(Path.GetTempPath(), $"dcopy-sync-{Guid.NewGuid():N}.rdb");
        await WaitForHandOversAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using (var stream = File.Create(file))
            {
                await _link!.ReceiveSnapshotAsync(stream, cancellationToken).ConfigureAwait(false);
            }
            await using (var connections = new ShardConnections(_target))
            {
                await connections.SyncAsync().ConfigureAwait(false);
                await ReplicationMarkers.ClearAsync(connections, mirror.Name, cancellationToken).ConfigureAwait(false);
                if (emptyFirst)
                {
                    // taken again after a stop: what the source deleted meanwhile must not stay on the target
                    await ReplicationApplier.EmptyAsync(connections, _slots).ConfigureAwait(false);
                }
            }
            var loader = await RdbLoader.OpenAsync(file, _target.Seed, _options, cancellationToken, progress: _progress).ConfigureAwait(false);
            await loader.LoadAsync(_database, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>What the master said when it could not continue, and the backlog that would have let it.</summary>
    private async Task<string> StartedOverNoteAsync(ReplicationPosition from, CancellationToken cancellationToken)
    {
        var info = await MasterInfoAsync(cancellationToken).ConfigureAwait(false);
        var backlog = long.TryParse(info.GetValueOrDefault("repl_backlog_size"), CultureInfo.InvariantCulture, out var size) ? size : 0;
        var missed = _link!.Position.Offset - from.Offset;
        var advice = from.ReplicationId == _link.Position.ReplicationId && missed > 0
            ? $" {missed:N0} bytes were written meanwhile and its repl-backlog-size is {backlog:N0}: a backlog of at least {Math.Max(missed * 2, backlog * 2):N0} bytes (CONFIG SET repl-backlog-size) would let a sync stopped as long continue"
            : $" (its replication id is {_link.Position.ReplicationId}, the position's {from.ReplicationId}: a restarted master or another server)";
        return $"{_source.Address} could not continue the stream from offset {from.Offset:N0}, so its snapshot is loaded again (the followed {(_cluster ? "slots" : "database")} emptied on the target first).{advice}";
    }

    private async Task<Dictionary<string, string>> MasterInfoAsync(CancellationToken cancellationToken)
    {
        await using var connection = await RespConnection.ConnectAsync(_source, cancellationToken).ConfigureAwait(false);
        return Topology.ParseInfo(await connection.ExecuteStringAsync("INFO", "replication").ConfigureAwait(false));
    }

    /// <summary>Counts what the applier did and when it last had nothing left (the lag in seconds); each link's applier counts from 0.</summary>
    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        ReplicationApplier? counting = null;
        long counted = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (LagBytes == 0)
            {
                Volatile.Write(ref _caughtUpAt, Environment.TickCount64);
            }
            if (_applier is { } applier)
            {
                if (!ReferenceEquals(applier, counting))
                {
                    (counting, counted) = (applier, 0);
                }
                var commands = applier.Commands;
                if (commands > counted)
                {
                    Stats.AddChanges(commands - counted);
                    Stats.AddApplied(commands - counted, 0);
                    counted = commands;
                }
            }
            try
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>The link is proven by what the master sends (its PINGs every 10 s when nothing is written).</summary>
    private string? Unproven() =>
        _link is { } link && _applier is not null && link.SilentFor > TimeSpan.FromSeconds(25)
            ? $"{link.Master.Address}: nothing heard on the replication stream for {link.SilentFor.TotalSeconds:0} s"
            : null;
}
