using System.Globalization;
using DistributedCopy.Core.Live;

namespace DistributedCopy.Core.Replication;

// ReplicationSync, part 2: the cutover's checks. The evidence is the master's own offset: paused, it stops at one, and the
// target has applied everything up to it (answered, without an error) or not. The key counts of both sides come after.
public sealed partial class ReplicationSync
{
    private long _lastSourceKeys;
    private long _lastTargetKeys;

    public async Task<CutoverReport> CheckAsync(bool paused, bool dryRun, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        var lines = new List<string>();
        if (_dropped)
        {
            lines.Add($"ok      stream: {_source.Address} left the source (no master carries its replication history); its slots are followed where they went");
            if (!dryRun)
            {
                // nothing more comes on this stream: its markers go now (a stream taken up again follows nothing)
                await CompleteAsync(cancellationToken).ConfigureAwait(false);
            }
            return Report(lines, paused, dryRun);
        }
        while (_applier is null && DateTime.UtcNow < deadline && !_stop.IsCancellationRequested)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
        if (_applier is not { } applier || _link is not { } link)
        {
            lines.Add($"FAILED  live: the snapshot has not finished{(_stop.IsCancellationRequested ? " (the sync has stopped)" : $" after {timeout.TotalSeconds:0} s")}: cut over once `dcopy status` says live");
            return Report(lines, paused, dryRun);
        }
        if (_cluster)
        {
            // slots that left this master just now: handed over before the verdict (the taker's stream waits for them)
            var topology = await ReadTopologyAsync(cancellationToken).ConfigureAwait(false);
            if (topology.Shards.FirstOrDefault(s => s.Master.Address == _source.Address) is { } mine)
            {
                _slots = mine.Slots;
            }
            await HandOverDepartedAsync(topology, cancellationToken).ConfigureAwait(false);
        }
        var commandsBefore = applier.Commands;
        var errorsBefore = applier.Errors;
        var info = await MasterInfoAsync(cancellationToken).ConfigureAwait(false);
        var replicationId = info.GetValueOrDefault("master_replid") ?? "?";
        var masterOffset = long.TryParse(info.GetValueOrDefault("master_repl_offset"), CultureInfo.InvariantCulture, out var offset) ? offset : -1;
        if (replicationId != link.Position.ReplicationId && info.GetValueOrDefault("master_replid2") != link.Position.ReplicationId)
        {
            lines.Add($"FAILED  stream: {_source.Address} now has replication id {replicationId}, not the stream's {link.Position.ReplicationId} (a restart or another server): the sync takes its snapshot again when taken up");
            return Report(lines, paused, dryRun);
        }
        while ((applier.Applied < masterOffset || _handOver?.AnyDue == true) && DateTime.UtcNow < deadline && !_stop.IsCancellationRequested)
        {
            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
        var applied = applier.Applied;
        lines.Add(applied >= masterOffset
            ? $"ok      stream: the target applied the stream up to offset {applied:N0}, {(paused ? "where the paused master stopped" : "the master's offset when the checks began")} ({_source.Address}, replication id {replicationId}), every command answered"
            : $"FAILED  stream: by the deadline the target had applied up to offset {applied:N0} and the {(paused ? "paused " : "")}master is at {masterOffset:N0} ({masterOffset - applied:N0} bytes behind){(applier.HeldSlots > 0 ? $": {applier.HeldSlots:N0} slot(s) moved to this master still wait for the master that served them to hand them over (its partition is behind or stopped)" : ": give the cutover more --timeout")}");
        lines.Add(applier.Errors == 0
            ? $"ok      errors: the target took every command of the stream ({applier.Commands:N0} applied, {applier.Skipped:N0} skipped as held already, {applier.OtherDatabases:N0} of other databases passed over)"
            : $"FAILED  errors: the target answered {applier.Errors:N0} command(s) or pipeline(s) of the stream with an error{(applier.Errors > errorsBefore ? ", some while the checks ran" : "")} (last: {applier.LastError}): what they wrote is not on the target");
        if (!paused && !dryRun)
        {
            lines.Add(applier.Commands == commandsBefore
                ? "ok      quiet: no write came on the stream while the checks ran"
                : $"FAILED  quiet: {applier.Commands - commandsBefore:N0} write(s) came on the stream while the checks ran: the application still writes; stop it, or cut over with --pause-writes");
        }
        lines.Add(await CountsCheckAsync(deadline, cancellationToken).ConfigureAwait(false));
        if (LiveSync.Passed(lines) && !dryRun && (paused || applier.Commands == commandsBefore))
        {
            // the sync ends with this verdict unless another partition fails it (then FollowingAsync marks again): the
            // target is left as the source, without dcopy's markers
            applier.Marking = false;
            await CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        return Report(lines, paused, dryRun);
    }

    /// <summary>
    /// The cutover under way (if any) did not end the sync: markers again, first one per target master saying the target
    /// holds the stream up to the position applied (the checks removed the others).
    /// </summary>
    public async Task FollowingAsync(CancellationToken cancellationToken = default)
    {
        if (_applier is { Marking: false } applier)
        {
            try
            {
                await using var connections = new ShardConnections(_target);
                await connections.SyncAsync().ConfigureAwait(false);
                var position = applier.Position;
                await ReplicationMarkers.HoldAllAsync(connections, _sync.Name, ReplicationMarkers.Value(position.ReplicationId, position.Offset), cancellationToken).ConfigureAwait(false);
                await RestoreHandOversAsync(connections, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (Resilience.Retry.IsTransient(ex, cancellationToken) || ex is RespException)
            {
                // the slots written from now on are marked again; the others only once written
                _progress.AddNote($"the target's markers could not be written again after the cutover ({ex.Message}): a stop before every slot is written again may apply a few commands twice");
            }
            finally
            {
                applier.Marking = true;
            }
        }
    }

    /// <summary>The synced database's keys on both sides (dcopy's markers left out); a difference of expiring keys only passes.</summary>
    private async Task<string> CountsCheckAsync(DateTime deadline, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(deadline - DateTime.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero);
        try
        {
            // the source's masters as they are now (a reshard or failover since the sync started), read without a write
            var source = _cluster ? new ClusterView(_sourceView.Seed, await ReadTopologyAsync(budget.Token).ConfigureAwait(false), _options.AddressMap) : _sourceView;
            var cluster = source.Topology.IsCluster;
            // the buckets compared: the followed master's slots, or the one database
            var buckets = cluster ? HashSlot.Count : 1;
            var owned = SlotRange.Mask(_slots ?? [new SlotRange(0, buckets - 1)], buckets);
            int markers;
            await using (var connections = new ShardConnections(_target))
            {
                await connections.SyncAsync().ConfigureAwait(false);
                // on a cluster target compared per slot, the markers in the followed slots; else all of them
                var perSlot = cluster && _target.Topology.IsCluster;
                markers = (await ReplicationMarkers.ListAllAsync(connections, budget.Token).ConfigureAwait(false)).Count(k => !perSlot || owned[HashSlot.Of(k)]);
            }
            List<int> differing;
            if (cluster && _target.Topology.IsCluster)
            {
                var counts = new SideCounts(source, _target, owned);
                differing = await counts.MismatchedAsync(budget.Token).ConfigureAwait(false);
                (_lastSourceKeys, _lastTargetKeys) = await counts.TotalsAsync(budget.Token).ConfigureAwait(false);
                _lastTargetKeys -= markers;
            }
            else
            {
                _lastSourceKeys = await source.CountKeysAsync(budget.Token).ConfigureAwait(false);
                _lastTargetKeys = await _target.CountKeysAsync(budget.Token).ConfigureAwait(false) - markers;
                differing = _lastSourceKeys == _lastTargetKeys ? [] : [.. Enumerable.Range(0, owned.Length).Where(b => owned[b])];
            }
            if (differing.Count == 0)
            {
                return $"ok      counts: equal ({_lastSourceKeys:N0} keys on the source, {_lastTargetKeys:N0} on the target{(cluster ? $" in the {owned.Count(o => o):N0} slots of {_source.Address}" : $", database {_database} into {_targetDatabase}")}; dcopy's {markers:N0} stream marker(s) left out)";
            }
            var differences = new CountDifferences(source, _target, cluster ? key => HashSlot.Of(key) : _ => 0, _sync.TtlToleranceMs, _sync.CountListLimit);
            await differences.ClassifyAsync(differing, budget.Token).ConfigureAwait(false);
            differences.Real.RemoveAll(k => ReplicationMarkers.IsMarker(k));
            return differences.Real.Count > 0
                ? $"FAILED  counts: {differences.Real.Count:N0} key(s) on one side only and not expiring (e.g. {string.Join(", ", differences.Real.Take(3).Select(k => KeyText.Printable(k)))}): the target does not mirror the source"
                : _lastSourceKeys == _lastTargetKeys
                ? $"ok      counts: equal ({_lastSourceKeys:N0} keys on each side once dcopy's {markers:N0} stream marker(s) are left out)"
                : $"ok      counts: {_lastSourceKeys:N0} keys on the source, {_lastTargetKeys:N0} on the target besides dcopy's {markers:N0} stream marker(s); listed (SCAN, which passes over expired keys), they differ only by {differences.Expiring:N0} key(s) expired or expiring within {_sync.TtlToleranceMs / 1000.0:0.#} s: the rest are expired keys not yet reclaimed (a paused source keeps them until it runs again)";
        }
        catch (CountDifferences.TooManyToListException)
        {
            return $"FAILED  counts: {_lastSourceKeys:N0} keys on the source and {_lastTargetKeys:N0} on the target, too many apart to list";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "FAILED  counts: the key counts could not be compared by the deadline: give the cutover more --timeout";
        }
    }

    private CutoverReport Report(List<string> lines, bool paused, bool dryRun) =>
        new(DateTimeOffset.UtcNow, Stats.LagSeconds, 0, _lastSourceKeys, _lastTargetKeys, paused, lines)
        {
            Passed = LiveSync.Passed(lines),
            DryRun = dryRun,
        };
}
