namespace DistributedCopy.Core.Live;

/// <summary>
/// Keys changed on the source and not yet applied, deduplicated, per bucket (a hash slot for a cluster source, one bucket
/// for a standalone one). Bounded: past <paramref name="limit"/> keys a bucket's keys collapse into "the whole bucket is
/// dirty" (<c>overflowed</c> is called and the bucket is reconciled instead), so a change is never dropped.
/// </summary>
internal sealed class DirtyKeys(int buckets, int limit, Action<int> overflowed)
{
    private readonly object _lock = new();
    private readonly HashSet<byte[]>?[] _keys = new HashSet<byte[]>?[buckets];
    private readonly long[] _since = new long[buckets];
    private readonly SortedSet<int> _nonEmpty = [];
    private int _count;
    private int _next;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    public void Add(int bucket, byte[] key)
    {
        lock (_lock)
        {
            var set = _keys[bucket] ??= new HashSet<byte[]>(ByteKeyComparer.Instance);
            if (!set.Add(key))
            {
                return;
            }
            _count++;
            if (set.Count == 1)
            {
                _since[bucket] = Environment.TickCount64;
                _nonEmpty.Add(bucket);
            }
            if (_count <= limit)
            {
                return;
            }
            _count -= set.Count;
            set.Clear();
            _nonEmpty.Remove(bucket);
        }
        overflowed(bucket);
    }

    /// <summary>Takes up to <paramref name="max"/> keys from buckets <paramref name="ready"/> accepts, going round the buckets so none waits on a busy one; <paramref name="oldest"/> is when the oldest change taken was seen (a tick count; 0 for none).</summary>
    public List<(int Bucket, byte[] Key)> Take(int max, Func<int, bool> ready, out long oldest)
    {
        var taken = new List<(int, byte[])>();
        oldest = 0;
        lock (_lock)
        {
            var order = _nonEmpty.GetViewBetween(_next, int.MaxValue).Concat(_nonEmpty.GetViewBetween(int.MinValue, _next - 1)).ToList();
            foreach (var bucket in order)
            {
                _next = bucket + 1;
                if (!ready(bucket))
                {
                    continue;
                }
                var set = _keys[bucket]!;
                oldest = oldest == 0 ? _since[bucket] : Math.Min(oldest, _since[bucket]);
                foreach (var key in set.ToList())
                {
                    set.Remove(key);
                    _count--;
                    taken.Add((bucket, key));
                    if (taken.Count == max)
                    {
                        break;
                    }
                }
                if (set.Count == 0)
                {
                    _nonEmpty.Remove(bucket);
                }
                if (taken.Count == max)
                {
                    break;
                }
            }
        }
        return taken;
    }

    /// <summary>Whether the bucket has keys waiting.</summary>
    public bool Has(int bucket)
    {
        lock (_lock)
        {
            return _keys[bucket] is { Count: > 0 };
        }
    }

    /// <summary>Whether this key waits to be applied.</summary>
    public bool Contains(int bucket, byte[] key)
    {
        lock (_lock)
        {
            return _keys[bucket]?.Contains(key) == true;
        }
    }

    /// <summary>Milliseconds since the oldest waiting change was seen (the bucket's first waiting key), 0 when none waits.</summary>
    public long OldestAgeMs()
    {
        lock (_lock)
        {
            return _nonEmpty.Count == 0 ? 0 : Environment.TickCount64 - _nonEmpty.Min(b => _since[b]);
        }
    }
}
