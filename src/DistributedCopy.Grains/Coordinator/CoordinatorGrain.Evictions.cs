using DistributedCopy.Abstractions;
using DistributedCopy.Core;

namespace DistributedCopy.Grains;

// CoordinatorGrain, part 5: the target's evictions. A target with maxmemory and an eviction policy takes every write while
// it drops other keys: any key evicted while a job writes pauses it, naming the node, the count and the policy, and every
// slot is copied again on resume (the evicted keys may be anywhere, done slots included).
public sealed partial class CoordinatorGrain
{
    /// <summary>Each target master's evicted_keys when the job (or its resume) began.</summary>
    private async Task BaselineEvictionsAsync()
    {
        if (State.Spec is not { } spec || (State.ActiveKind == JobKind.Verify && State.EvictedAtStart.Count > 0))
        {
            // verify after a copy keeps the copy's baseline: its report counts every eviction since the copy began
            return;
        }
        try
        {
            var masters = await ClusterView.MastersAsync(Endpoints.ToCore(spec.Target), CancellationToken.None);
            State.EvictedAtStart = (await TargetMemory.ReadAsync(masters, CancellationToken.None)).ToDictionary(n => n.Node.Address, n => n.EvictedKeys);
        }
        catch (Exception ex) when (ex is Core.Resp.RespException or CopyException or TimeoutException)
        {
            // not read now: the next look takes its figures as the baseline
            State.EvictedAtStart = [];
        }
    }

    /// <summary>
    /// True (and the job paused, its checkpoints cleared) when a target master evicted keys since the job began. A master
    /// not in the baseline (a failover) counts from its first look.
    /// </summary>
    private async Task<bool> EvictedAsync()
    {
        if (State.Spec is not { } spec || State.ActiveKind == JobKind.Verify || !IsActive(State.Phase))
        {
            return false;
        }
        List<string> evicted;
        try
        {
            var now = await TargetMemory.ReadAsync(await ClusterView.MastersAsync(Endpoints.ToCore(spec.Target), CancellationToken.None), CancellationToken.None);
            evicted = TargetMemory.EvictedSince(State.EvictedAtStart, now);
            foreach (var node in now.Where(n => !State.EvictedAtStart.ContainsKey(n.Node.Address)))
            {
                State.EvictedAtStart[node.Node.Address] = node.EvictedKeys;
            }
        }
        catch (Exception ex) when (ex is Core.Resp.RespException or CopyException or TimeoutException)
        {
            // the target not answering is the workers' to report
            return false;
        }
        if (evicted.Count == 0)
        {
            return false;
        }
        if (State.ActiveKind != JobKind.Sync)
        {
            // every slot is copied again: what was counted so far is counted as re-copied, each key once more by the resume
            State.Copied = State.Copied.WriteAgain(State.Copied, rewrites: State.Spec!.Policy == Policy.Replace);
            State.ResetProgress();
        }
        await SetPhaseAsync(JobPhase.Paused, $"the target evicts keys: {string.Join("; ", evicted)}; keys written may be gone. Raise maxmemory or set maxmemory-policy noeviction on the target, then `dcopy resume {spec.JobId}` copies every slot again");
        return true;
    }

    /// <summary>Each target master's keys evicted since the job began (a verify job: also since the server started), for its report.</summary>
    private async Task<List<string>> EvictionsSinceStartAsync()
    {
        try
        {
            var now = await TargetMemory.ReadAsync(await ClusterView.MastersAsync(Endpoints.ToCore(State.Spec!.Target), CancellationToken.None), CancellationToken.None);
            // a verify job did not see the copy: every eviction the server counted may have taken copied keys
            return State.Spec.Kind == JobKind.Verify
                ? [.. now.Where(n => n.EvictedKeys > 0).Select(n => $"{n.Node.Address} evicted {n.EvictedKeys:N0} key(s) since it started or its stats were reset ({n.Describe()}): keys copied before may be gone")]
                : [.. TargetMemory.EvictedSince(State.EvictedAtStart, now).Select(l => l + " since the copy began")];
        }
        catch (Exception ex) when (ex is Core.Resp.RespException or CopyException or TimeoutException)
        {
            return [$"the target's evicted_keys could not be read: {ex.Message}"];
        }
    }
}
