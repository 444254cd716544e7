using DistributedCopy.Abstractions;

namespace DistributedCopy.Grains;

public sealed partial class CoordinatorGrain
{
    public async Task<Lease?> LeaseAsync(int worker)
    {
        if (!IsActive(State.Phase))
        {
            return null;
        }
        var now = LeaseTable.Now;
        var open = State.Partitions.Where(p => !State.DonePartitions.Contains(p.Id)).ToList();
        // the next partition in order on the shard fewest workers are on: partitions are planned shard by shard, and taken in
        // that order every worker would read from one server at a time while the others had nothing to do
        var busy = open.Where(p => !_leases.IsFree(p.Id, now)).GroupBy(p => p.Shard).ToDictionary(g => g.Key, g => g.Count());
        var partition = open.Where(p => _leases.IsFree(p.Id, now)).MinBy(p => busy.GetValueOrDefault(p.Shard));
        if (partition is null)
        {
            return null;
        }
        var token = ++State.LeasesGranted;
        Core.Diagnostics.Instruments.LeasesGranted.Add(1);
        _leases.Grant(partition.Id, worker, token, now);
        var resumed = !State.LeasedBefore.Add(partition.Id);
        if (State.Unsettled.Remove(partition.Id, out var again))
        {
            // the keys the last lease wrote beyond its checkpoint: this lease writes and counts them again
            State.Copied = State.Copied.WriteAgain(again, rewrites: State.Spec!.Policy == Policy.Replace);
            State.PartitionWritten[partition.Id] = Written(partition.Id).WriteAgain(again) with { Recopied = 0 };
        }
        var slots = partition.IsDatabase ? [] : Enumerable.Range(partition.StartSlot, partition.SlotCount).Where(s => !State.IsSlotDone(s)).ToList();
        var cursor = State.Cursors.GetValueOrDefault(partition.Id, "0");
        // the lease is state: a later activation of this grain waits it out unless its worker reports or releases it
        await SaveAsync();
        return new Lease(partition, slots, cursor, token, State.ActiveKind, resumed)
        {
            TraceParent = State.TraceParent,
            ValidFor = options.Value.LeaseValidFor,
            Before = partition.IsDatabase ? Written(partition.Id) : null,
        };
    }

    public async Task<Directive> ReportAsync(int worker, ProgressReport report)
    {
        if (!IsActive(State.Phase))
        {
            return Directive.Stop;
        }
        if (State.DonePartitions.Contains(report.PartitionId) || report.Token <= State.PhaseFirstToken)
        {
            // done by someone else, or a lease of an earlier phase (verify after copy, or before a pause): nothing of it counts now
            return Directive.LeaseLost;
        }
        if (!_leases.Holds(report.PartitionId, report.Token))
        {
            // expired, or leased to another since: this worker must not write it any more
            return Directive.LeaseLost;
        }
        _leases.Renew(report.PartitionId, LeaseTable.Now);
        foreach (var slot in report.SlotsDone)
        {
            State.MarkSlotDone(slot);
        }
        if (report.Cursor is not null)
        {
            State.Cursors[report.PartitionId] = report.Cursor;
        }
        // keys written again (a SCAN started over, slots listed again) are re-copied when they replace; else the listing
        // that counts finds them on the target and counts them skipped
        var counters = State.Spec!.Policy == Policy.Replace ? report.Counters : report.Counters with { Recopied = 0 };
        State.Copied = State.Copied.Add(counters);
        if (report.PartitionDone)
        {
            State.Unsettled.Remove(report.PartitionId);
        }
        else if (report.Unsettled is { } unsettled)
        {
            State.Unsettled[report.PartitionId] = unsettled;
        }
        if (report.LastError is not null)
        {
            State.LastError = report.LastError;
        }
        // each note once: several workers (or leases) come upon the same fact
        foreach (var note in report.Notes.Distinct().Where(n => !State.Notes.Contains(n)))
        {
            LogNote(logger, State.Spec!.JobId, worker, note);
            State.Notes.Add(note);
            if (State.Notes.Count > 20)
            {
                State.Notes.RemoveAt(0);
            }
        }
        State.KeysBySilo[report.Silo] = State.KeysBySilo.GetValueOrDefault(report.Silo) + report.Counters.Keys;
        State.PartitionWritten[report.PartitionId] = Written(report.PartitionId).Add(new Counters(Keys: counters.Keys, Skipped: counters.Skipped, Vanished: counters.Vanished));
        _workers[worker] = new WorkerSeen(report.Silo, DateTime.UtcNow, (_workers.GetValueOrDefault(worker)?.Keys ?? 0) + report.Counters.Keys);
        TakeSync(report);
        if (report.Guard is not null)
        {
            _guards[worker] = (report.Guard, LeaseTable.Now);
        }
        if (State.Phase == JobPhase.CuttingOver && State.CutoverParts.Count >= State.Partitions.Count - State.DonePartitions.Count)
        {
            // every partition answered the cutover: the verdict
            await DecideCutoverAsync();
            return State.Phase == JobPhase.Completed ? Directive.Stop : Directive.Continue;
        }
        if (report.Verify is not null)
        {
            State.Verify = State.Verify.Add(report.Verify, State.Spec!.MaxExamples);
        }
        if (report.PartitionDone)
        {
            State.DonePartitions.Add(report.PartitionId);
            _leases.Release(report.PartitionId, report.Token);
            if (State.DonePartitions.Count == State.Partitions.Count)
            {
                await FinishPhaseAsync();
                return Directive.Stop;
            }
        }
        await SaveAsync();
        return State.Phase == JobPhase.CuttingOver ? Directive.Cutover : Directive.Continue;
    }

    private async Task FinishPhaseAsync()
    {
        if (await EvictedAsync())
        {
            // the last batches' writes may have pushed other keys out: no "completed" on a target that dropped keys
            return;
        }
        if (State.ActiveKind == JobKind.Sync)
        {
            // a sync's partitions end only by a cutover's verdict
            await DecideCutoverAsync();
            return;
        }
        if (State.ActiveKind == JobKind.Copy)
        {
            await CleanUpTempKeysAsync();
            if (!IsActive(State.Phase))
            {
                // the timer found evictions (paused, every slot to copy again) or the job was cancelled meanwhile
                return;
            }
        }
        if (State.ActiveKind == JobKind.Copy && State.Spec!.VerifyAfterCopy)
        {
            State.ActiveKind = JobKind.Verify;
            State.ResetProgress();
            await SetPhaseAsync(JobPhase.Verifying, null);
            LogPhase(logger, State.Spec.JobId, JobPhase.Verifying);
            if (State.Partitions.Count > 0)
            {
                return;
            }
            // the summary's verify stays empty (null in JSON): say why, so an operator does not read it as a verdict
            State.Notes.Add("verify: nothing to compare: the source holds no keys to copy (none, or none selected); keys on the target were not looked at");
        }
        if (State.ActiveKind == JobKind.Verify)
        {
            State.Verify = State.Verify with { Evictions = await EvictionsSinceStartAsync() };
            if (!IsActive(State.Phase))
            {
                return;
            }
        }
        await SetPhaseAsync(JobPhase.Completed, State.ActiveKind == JobKind.Verify && State.Verify.Differences > 0
            ? $"verify found {State.Verify.Differences} differences"
            : null);
        LogPhase(logger, State.Spec!.JobId, JobPhase.Completed);
    }

    /// <summary>
    /// A copy whose partitions moved (a lease lost or resumed) or whose writes failed may have left big keys' temporary
    /// chunks: they are removed before it completes (a copy where every partition was leased once and nothing failed has none).
    /// </summary>
    private async Task CleanUpTempKeysAsync()
    {
        if (MayHaveLeftovers() && await RemoveLeftoversAsync() is { } note)
        {
            State.Notes.Add(note);
        }
    }

    /// <summary>A partition was leased more than once in this phase, or a write failed: a big-key writer may have stopped midway.</summary>
    private bool MayHaveLeftovers() => State.LeasesGranted - State.PhaseFirstToken > State.Partitions.Count || State.Copied.Errors > 0;

    /// <summary>Removes the job's temporary big-key chunks from the target; what it found or why it could not look (null: none found).</summary>
    private async Task<string?> RemoveLeftoversAsync()
    {
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var removed = await Core.Cluster.TempKeyCleanup.RunAsync(Endpoints.ToCore(State.Spec!.Target), JobSpecMapping.JobTag(State.Spec.JobId), deadline.Token);
            return removed > 0 ? $"removed {removed:N0} temporary big-key chunk key(s) left by writers stopped midway" : null;
        }
        catch (Exception ex) when (ex is Core.Resp.RespException or Core.CopyException or OperationCanceledException or TimeoutException)
        {
            return $"temporary big-key chunks were not looked for ({ex.Message}); any left expire within a day (dcopy:chunk:*)";
        }
    }

    private void StartTimer()
    {
        _timer ??= this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(TimeSpan.FromMilliseconds(200), options.Value.TickPeriod) { Interleave = true });
    }

    /// <summary>Expires leases whose worker stopped reporting and makes sure every worker runs (re-activating lost ones).</summary>
    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (!IsActive(State.Phase))
        {
            return;
        }
        foreach (var (partition, worker) in _leases.Expire(LeaseTable.Now))
        {
            State.LeasesExpired++;
            Core.Diagnostics.Instruments.LeasesExpired.Add(1);
            LogLeaseExpired(logger, State.Spec!.JobId, partition, worker);
        }
        await CheckCutoverDeadlineAsync();
        if (!await EvictedAsync())
        {
            await FollowNewMastersAsync();
            await EnsureWorkersAsync();
        }
    }

    private async Task EnsureWorkersAsync()
    {
        var jobId = this.GetPrimaryKeyString();
        var calls = Enumerable.Range(0, State.Spec!.Kind == JobKind.Sync ? Math.Max(State.Spec.Workers, State.Partitions.Count) : State.Spec.Workers)
            .Select(i => GrainFactory.GetGrain<IWorkerGrain>(new WorkerKey(jobId, i).ToString()).EnsureRunningAsync().WaitAsync(TimeSpan.FromSeconds(5)));
        try
        {
            await Task.WhenAll(calls);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            // a worker on a dying silo: the next tick tries again, once membership has moved it
        }
    }

    /// <summary>The keys copied, skipped and vanished counted for <paramref name="partition"/> so far.</summary>
    internal Counters Written(int partition) => State.PartitionWritten.GetValueOrDefault(partition) ?? new Counters(Keys: State.PartitionKeys.GetValueOrDefault(partition));
}
