namespace DistributedCopy.Core.Sources;

/// <summary>
/// One database of a standalone server, walked with SCAN from a saved <see cref="ScanPosition"/>. A position is committed
/// once every batch listed before it is written. A SCAN cursor means something only to the server process that returned it:
/// after a restart or a failover (another run_id) the database is scanned again from the start, and the progress says so.
/// </summary>
internal sealed class ScanSource(ClusterView view, int database, string position, Action<string>? committed, CopyOptions options, CopyProgress progress,
    CheckpointLedger? ledger = null) : IKeySource
{
    private readonly CursorTracker _cursors = new(committed, ledger);

    public async Task ListAsync(BatchBuilder output, CancellationToken cancellationToken)
    {
        output.TrackSlots = false;
        if (position == ScanPosition.End)
        {
            // done before: every key of the database is written (the lease that finished it ended before its last report)
            return;
        }
        var (runId, cursor) = ScanPosition.Parse(position);
        await using (var nodes = new SourceNodes(view, options, progress))
        {
            await nodes.RunStepAsync(async () =>
            {
                var master = view.Topology.Shards[0].ReadNode;
                var connection = await nodes.ConnectionAsync(master, cancellationToken).ConfigureAwait(false);
                var current = Topology.ParseInfo(await connection.ExecuteStringAsync("INFO", "server").ConfigureAwait(false)).GetValueOrDefault("run_id", "");
                if (cursor != "0" && runId != current)
                {
                    progress.AddNote($"{master.Address} database {database}: the saved SCAN position belongs to another server process (run_id changed by a restart or failover); scanning it again from the start");
                    cursor = "0";
                    // every key counted so far is listed and written again: counted once, by this listing
                    _cursors.Restart(await output.ListAgainAsync(cancellationToken).ConfigureAwait(false));
                }
                runId = current;
                await nodes.ScanAsync(connection, cursor, output, filter: null, tracker: null, c =>
                {
                    cursor = c;
                    var (needs, partial) = output.MarkPosition();
                    _cursors.Reached(ScanPosition.Format(current, c), needs, partial);
                }, cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Completed(KeyBatch batch) => _cursors.BatchDone(batch);
}
