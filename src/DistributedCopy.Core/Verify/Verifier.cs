namespace DistributedCopy.Core.Verify;

/// <summary>
/// Compares a source with a target and writes nothing to either: every source key's payload, type, value and TTL against
/// the target's (first pass), then every target key the source does not have (second pass, "extra"), counted in
/// <see cref="Result"/>. It runs the same key sources and pipeline runner as the copy, with comparing pipelines.
/// </summary>
public sealed class Verifier : IAsyncDisposable
{
    private readonly EngineSides _sides;
    private readonly CopyOptions _options;
    private readonly PipelineRunner _runner;

    /// <summary>The second pass's runner: never throttled (it lists the target and asks the source only EXISTS).</summary>
    private readonly PipelineRunner _extrasRunner;
    private readonly long _ttlToleranceMs;
    private int _extrasNoted;

    private Verifier(EngineSides sides, CopyOptions options, long ttlToleranceMs, int maxExamples, Action<byte[]>? differs = null)
    {
        _sides = sides;
        _options = options;
        _ttlToleranceMs = ttlToleranceMs;
        Result = new VerifyResult(maxExamples) { Differs = differs, SkipExisting = options.Policy == OverwritePolicy.SkipExisting };
        _runner = new PipelineRunner(options, Progress);
        _extrasRunner = options.Throttle is null ? _runner : new PipelineRunner(options with { Throttle = null }, Progress);
    }

    public VerifyResult Result { get; }

    /// <summary>Keys compared (counted as "copied"; nothing is); errors met.</summary>
    public CopyProgress Progress { get; } = new() { CountsCopies = false };

    public static async Task<Verifier> OpenAsync(RedisEndpoint source, RedisEndpoint target, CopyOptions options, long ttlToleranceMs, int maxExamples = 10,
        CancellationToken cancellationToken = default) =>
        new(await EngineSides.OpenAsync(source, target, options, cancellationToken).ConfigureAwait(false), options, ttlToleranceMs, maxExamples);

    /// <summary>A verifier that hands every key it finds different (or extra) to <paramref name="differs"/>: a live sync's comparer.</summary>
    internal static async Task<Verifier> OpenAsync(RedisEndpoint source, RedisEndpoint target, CopyOptions options, long ttlToleranceMs, Action<byte[]> differs,
        CancellationToken cancellationToken) =>
        new(await EngineSides.OpenAsync(source, target, options, cancellationToken).ConfigureAwait(false), options, ttlToleranceMs, 0, differs);

    /// <summary>Verifies everything: every slot of a cluster source, or every database of a standalone one that holds keys.</summary>
    public Task VerifyAllAsync(CancellationToken cancellationToken = default) =>
        _sides.AllAsync(slots => VerifySlotsAsync(slots, null, cancellationToken), database => VerifyDatabaseAsync(database, ScanPosition.Start, null, cancellationToken), cancellationToken);

    /// <summary>Verifies <paramref name="slots"/>; a slot is reported done only after the second pass has been through it too.</summary>
    public async Task VerifySlotsAsync(IReadOnlyList<SlotRange> slots, Action<int>? slotCompleted, CancellationToken cancellationToken = default)
    {
        var (source, target) = (_sides.Source, _sides.Target);
        var firstPass = new SlotTracker(_ => { });
        await _runner.RunAsync(SlotSource.ForShards(source, slots, firstPass, _options, Progress), () => Comparer(source, target), cancellationToken, _options.Selection).ConfigureAwait(false);
        var tracker = new SlotTracker(slot =>
        {
            Progress.AddSlotCompleted();
            slotCompleted?.Invoke(slot);
        });
        if (!ExtrasComparable())
        {
            // no second pass: each slot is done with its first
            foreach (var slot in slots.SelectMany(r => Enumerable.Range(r.Start, r.Count)))
            {
                Progress.AddSlotCompleted();
                slotCompleted?.Invoke(slot);
            }
            return;
        }
        await _extrasRunner.RunAsync(SlotSource.ForShards(target, slots, tracker, _options, Progress), () => ExtraFinder(source), cancellationToken, _options.Selection.ForTargetNames()).ConfigureAwait(false);
    }

    /// <summary>
    /// Verifies one database of a standalone source from <paramref name="cursor"/> (committed like a copy's), then looks for
    /// extra keys in the whole database (or cluster) it was copied to.
    /// </summary>
    public async Task VerifyDatabaseAsync(int database, string cursor, Action<string>? cursorCommitted, CancellationToken cancellationToken = default)
    {
        var (source, target) = await _sides.ForDatabaseAsync(database, cancellationToken).ConfigureAwait(false);
        await _runner.RunAsync([new ScanSource(source, database, cursor, cursorCommitted, _options, Progress)], () => Comparer(source, target), cancellationToken, _options.Selection)
            .ConfigureAwait(false);
        if (!ExtrasComparable())
        {
            return;
        }
        var secondPass = ExtraKeyFinder.TargetKeys(target, [new SlotRange(0, HashSlot.Count - 1)], new SlotTracker(_ => { }), _options, Progress);
        await _extrasRunner.RunAsync(secondPass, () => ExtraFinder(source), cancellationToken, _options.Selection.ForTargetNames()).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _sides.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Whether target keys can be told extra by asking the source for the same name: not when keys are renamed (a name
    /// maps one way only) or several databases are written into one. A note says so, once.
    /// </summary>
    private bool ExtrasComparable()
    {
        if (_options.Selection.ExtrasComparable)
        {
            return true;
        }
        if (Interlocked.Exchange(ref _extrasNoted, 1) == 0)
        {
            Progress.AddNote("keys on the target only (extra) were not looked for: " + (_options.Selection.Renames.Count > 0
                ? "--rename maps source names to target names one way"
                : "--db-map writes several source databases into one"));
        }
        return false;
    }

    private BatchVerifier Comparer(ClusterView source, ClusterView target) => new(source, target, _options, Progress, Result, _ttlToleranceMs);

    private ExtraKeyFinder ExtraFinder(ClusterView source) => new(source, _options, Progress, key => Result.AddExtra(key));
}
