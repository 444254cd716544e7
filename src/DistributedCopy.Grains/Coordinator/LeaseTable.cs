namespace DistributedCopy.Grains;

/// <summary>
/// The coordinator's leases, and the fencing rule they keep: a worker writes only for <see cref="JobOptions.LeaseValidFor"/>
/// after the last report its coordinator answered; a partition is leased again only once its worker said it stopped, or
/// that span plus <see cref="JobOptions.WriteGrace"/> (the longest a write under way can still land) passed without a
/// word from it. A lease revoked by a phase change still fences its partition until then.
/// </summary>
internal sealed class LeaseTable(JobOptions options)
{
    /// <summary>This process's monotonic clock (milliseconds), which a wall clock's step cannot move.</summary>
    public static long Now => Environment.TickCount64;

    private readonly Dictionary<int, Held> _leases = [];

    /// <summary>True when nobody may be writing the partition: no lease, or one whose holder has been silent past the fence.</summary>
    public bool IsFree(int partition, long now) => !_leases.TryGetValue(partition, out var held) || Expired(held, now);

    /// <summary>The live (not revoked) lease of a partition.</summary>
    public bool Holds(int partition, long token) => _leases.TryGetValue(partition, out var held) && held.Token == token && !held.Revoked;

    public void Grant(int partition, int worker, long token, long now) => _leases[partition] = new Held(worker, token, now, false);

    public void Renew(int partition, long now)
    {
        if (_leases.TryGetValue(partition, out var held))
        {
            _leases[partition] = held with { LastReport = now };
        }
    }

    /// <summary>The holder of <paramref name="token"/> stopped writing (finished, told to stop, or failed): its partition is free at once.</summary>
    public void Release(int partition, long token)
    {
        if (_leases.TryGetValue(partition, out var held) && held.Token == token)
        {
            _leases.Remove(partition);
        }
    }

    /// <summary>The partition's worker stopped (it failed and said so): no lease holds it.</summary>
    public void Drop(int partition) => _leases.Remove(partition);

    /// <summary>Releases whatever lease carries <paramref name="token"/>; false when none does.</summary>
    public bool Release(long token)
    {
        var partitions = _leases.Where(l => l.Value.Token == token).Select(l => l.Key).ToList();
        foreach (var partition in partitions)
        {
            _leases.Remove(partition);
        }
        return partitions.Count > 0;
    }

    /// <summary>A phase change: no lease's report counts any more, but each fences its partition until released or silent past the fence.</summary>
    public void RevokeAll()
    {
        foreach (var (partition, held) in _leases.ToList())
        {
            _leases[partition] = held with { Revoked = true };
        }
    }

    /// <summary>Removes and returns the leases whose holders have been silent past the fence (revoked ones go quietly).</summary>
    public List<(int Partition, int Worker)> Expire(long now)
    {
        var expired = _leases.Where(l => Expired(l.Value, now)).ToList();
        foreach (var (partition, _) in expired)
        {
            _leases.Remove(partition);
        }
        return [.. expired.Where(l => !l.Value.Revoked).Select(l => (l.Key, l.Value.Worker))];
    }

    public Dictionary<int, HeldLease> ToState(string coordinator) =>
        _leases.ToDictionary(l => l.Key, l => new HeldLease(l.Value.Worker, l.Value.Token) { Coordinator = coordinator, Revoked = l.Value.Revoked });

    /// <summary>
    /// Leases an earlier activation held: they count as renewed now (their workers may be writing), except where
    /// <paramref name="soleCoordinator"/> is this silo and they were written by another: an embedded job's earlier process,
    /// gone for certain (its state directory is locked by this one).
    /// </summary>
    public void Load(Dictionary<int, HeldLease> leases, long now, string coordinator, bool soleSilo)
    {
        foreach (var (partition, held) in leases)
        {
            if (!soleSilo || held.Coordinator == coordinator)
            {
                _leases[partition] = new Held(held.Worker, held.Token, now, held.Revoked);
            }
        }
    }

    private bool Expired(Held held, long now) => now - held.LastReport > (long)(options.LeaseValidFor + options.WriteGrace).TotalMilliseconds;

    private sealed record Held(int Worker, long Token, long LastReport, bool Revoked);
}
