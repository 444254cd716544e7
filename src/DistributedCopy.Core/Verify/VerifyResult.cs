using System.Collections.Concurrent;

namespace DistributedCopy.Core.Verify;

/// <summary>What a verify found so far: counts per category and up to a number of example keys each. Thread-safe.</summary>
public sealed class VerifyResult(int maxExamplesPerCategory = 10)
{
    private readonly ConcurrentQueue<string> _examples = new();
    private readonly ConcurrentDictionary<string, int> _examplesPerCategory = new(StringComparer.Ordinal);
    private long _compared;
    private long _missing;
    private long _typeMismatch;
    private long _valueMismatch;
    private long _ttlDrift;
    private long _extra;
    private long _kept;

    public long Compared => Interlocked.Read(ref _compared);

    /// <summary>On the source, not on the target.</summary>
    public long Missing => Interlocked.Read(ref _missing);

    public long TypeMismatch => Interlocked.Read(ref _typeMismatch);

    public long ValueMismatch => Interlocked.Read(ref _valueMismatch);

    /// <summary>TTLs further apart than the tolerance, or a TTL on one side only.</summary>
    public long TtlDrift => Interlocked.Read(ref _ttlDrift);

    /// <summary>On the target, not on the source: shown apart from the differences, since a target may hold keys of its own.</summary>
    public long Extra => Interlocked.Read(ref _extra);

    /// <summary>
    /// On both sides but different, after a copy under skip-existing: the target's own value, left in place on purpose
    /// (RESTORE without REPLACE and the existence checks write a key whole or not at all). Not a difference.
    /// </summary>
    public long Kept => Interlocked.Read(ref _kept);

    /// <summary>The copy left keys the target had alone (skip-existing): a key on both sides that differs is kept, not a difference.</summary>
    public bool SkipExisting { get; init; }

    public long Differences => Missing + TypeMismatch + ValueMismatch + TtlDrift;

    /// <summary>"category: key" lines, at most the limit per category.</summary>
    public IReadOnlyList<string> Examples => _examples.ToArray();

    internal void AddCompared(long count) => Interlocked.Add(ref _compared, count);

    internal void AddMissing(ReadOnlySpan<byte> key) => Add(ref _missing, "missing", key);

    internal void AddTypeMismatch(ReadOnlySpan<byte> key) => AddUnlessKept(ref _typeMismatch, "type", key);

    internal void AddValueMismatch(ReadOnlySpan<byte> key) => AddUnlessKept(ref _valueMismatch, "value", key);

    internal void AddTtlDrift(ReadOnlySpan<byte> key) => AddUnlessKept(ref _ttlDrift, "ttl", key);

    internal void AddExtra(ReadOnlySpan<byte> key) => Add(ref _extra, "extra", key);

    /// <summary>Called with every key found different (or extra on the target): a live sync's comparer repairs them.</summary>
    internal Action<byte[]>? Differs { get; init; }

    private void AddUnlessKept(ref long counter, string category, ReadOnlySpan<byte> key)
    {
        if (SkipExisting)
        {
            Add(ref _kept, "kept", key, differs: false);
        }
        else
        {
            Add(ref counter, category, key);
        }
    }

    private void Add(ref long counter, string category, ReadOnlySpan<byte> key, bool differs = true)
    {
        Interlocked.Increment(ref counter);
        if (differs)
        {
            Differs?.Invoke(key.ToArray());
        }
        if (_examplesPerCategory.AddOrUpdate(category, 1, (_, n) => n + 1) <= maxExamplesPerCategory)
        {
            _examples.Enqueue($"{category}: {KeyText.Printable(key)}");
        }
    }

    public override string ToString() =>
        $"compared={Compared} missing={Missing} type={TypeMismatch} value={ValueMismatch} ttl={TtlDrift} extra={Extra} kept={Kept}";
}
