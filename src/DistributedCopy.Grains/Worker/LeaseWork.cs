using DistributedCopy.Abstractions;
using DistributedCopy.Core;

namespace DistributedCopy.Grains;

/// <summary>
/// One kind of work a worker does with a lease — copy a partition's slots or database (<see cref="CopyWork"/>), verify them
/// (<see cref="VerifyWork"/>), load an RDB file's database (<see cref="LoadWork"/>); a live sync's is in WorkerGrain.Sync.cs.
/// The worker grain's loop (WorkerGrain.Work.cs) leases, starts one, reports its progress every second and ends it.
/// </summary>
internal abstract class LeaseWork : IAsyncDisposable
{
    /// <summary>The work under way; awaiting it throws what the work threw.</summary>
    public abstract Task Running { get; }

    public abstract CopyProgress Progress { get; }

    /// <summary>The counters <see cref="Progress"/> held before this lease's work began (a shared engine's go on from its last lease's).</summary>
    public Counters Before { get; protected init; } = new();

    /// <summary>Verify: slots and cursor are committed only with the counts, at the end; its findings are then in <see cref="Result"/>.</summary>
    public virtual bool CommitsAtEnd => false;

    public virtual VerifyResult? Result => null;

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>A copy lease: the worker's engine (kept across its copy leases) copies the partition's slots, or its database from the cursor.</summary>
internal sealed class CopyWork : LeaseWork
{
    private readonly CopyEngine _engine;

    public CopyWork(CopyEngine engine, Lease lease, CheckpointLedger ledger, CancellationToken cancellationToken)
    {
        _engine = engine;
        // taken before the work starts, which counts from its first step
        Before = WorkerGrain.Snapshot(engine.Progress);
        Running = lease.Partition.IsDatabase
            ? engine.CopyDatabaseAsync(lease.Partition.Database, lease.Cursor, ledger, cancellationToken)
            : engine.CopySlotsAsync(SlotRange.Of(lease.Slots), ledger, cancellationToken);
    }

    public override Task Running { get; }

    public override CopyProgress Progress => _engine.Progress;
}

/// <summary>A verify lease: the partition's keys compared on both sides, nothing written; a verifier of its own, closed with the lease.</summary>
internal sealed class VerifyWork : LeaseWork
{
    private readonly Verifier _verifier;

    private VerifyWork(Verifier verifier, Lease lease, CheckpointLedger ledger, CancellationToken cancellationToken)
    {
        _verifier = verifier;
        Running = lease.Partition.IsDatabase
            ? verifier.VerifyDatabaseAsync(lease.Partition.Database, lease.Cursor, ledger.Committed, cancellationToken)
            : verifier.VerifySlotsAsync(SlotRange.Of(lease.Slots), ledger.SlotDone, cancellationToken);
    }

    public override Task Running { get; }

    public override CopyProgress Progress => _verifier.Progress;

    public override bool CommitsAtEnd => true;

    public override VerifyResult Result => _verifier.Result;

    public static async Task<LeaseWork> StartAsync(RedisEndpoint source, RedisEndpoint target, CopyOptions options, JobSpec spec, Lease lease, CheckpointLedger ledger, CancellationToken cancellationToken) =>
        new VerifyWork(await Verifier.OpenAsync(source, target, options, spec.TtlToleranceMs, spec.MaxExamples, cancellationToken), lease, ledger, cancellationToken);

    public override ValueTask DisposeAsync() => _verifier.DisposeAsync();
}

/// <summary>An RDB file's lease: this silo reads the file at the path the job names, if it is the file the job started with, and loads its database.</summary>
internal sealed class LoadWork : LeaseWork
{
    private readonly RdbLoader _loader;

    private LoadWork(RdbLoader loader, JobSpec spec, Lease lease, CheckpointLedger ledger, CancellationToken cancellationToken)
    {
        _loader = loader;
        Running = loader.LoadAsync(lease.Partition.Database, lease.Cursor, ledger, cancellationToken, spec.Databases);
    }

    public override Task Running { get; }

    public override CopyProgress Progress => _loader.Progress;

    public static async Task<LeaseWork> StartAsync(RedisEndpoint target, CopyOptions options, JobSpec spec, Lease lease, CheckpointLedger ledger, CancellationToken cancellationToken)
    {
        var file = spec.Files[lease.Partition.FileIndex];
        return new LoadWork(await RdbLoader.OpenAsync(file.Path, target, options, cancellationToken, file.Fingerprint), spec, lease, ledger, cancellationToken);
    }
}
