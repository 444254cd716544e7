using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DistributedCopy.Core.Diagnostics;

/// <summary>The project's one Meter and one ActivitySource, both named <see cref="Name"/>, and every instrument, named in one place.</summary>
public static class Instruments
{
    public const string Name = "DistributedCopy";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> KeysCopied = Meter.CreateCounter<long>("distributedcopy.keys.copied", "{key}", "Keys written to the target");

    public static readonly Counter<long> BytesCopied = Meter.CreateCounter<long>("distributedcopy.bytes.copied", "By", "DUMP payload bytes written to the target");

    public static readonly Counter<long> KeysSkipped = Meter.CreateCounter<long>("distributedcopy.keys.skipped", "{key}", "Keys the target had already");

    public static readonly Counter<long> KeysVanished = Meter.CreateCounter<long>("distributedcopy.keys.vanished", "{key}", "Keys gone between listing and reading");

    public static readonly Counter<long> SlotsCompleted = Meter.CreateCounter<long>("distributedcopy.slots.completed", "{slot}", "Slots whose keys are all written");

    public static readonly Counter<long> Errors = Meter.CreateCounter<long>("distributedcopy.errors", "{error}", "Errors met, retried or not");

    public static readonly Counter<long> LeasesGranted = Meter.CreateCounter<long>("distributedcopy.leases.granted", "{lease}", "Partitions leased to workers");

    public static readonly Counter<long> LeasesExpired = Meter.CreateCounter<long>("distributedcopy.leases.expired", "{lease}", "Leases taken back from workers that stopped reporting");

    public static readonly Counter<long> SyncChanges = Meter.CreateCounter<long>("distributedcopy.sync.changes", "{change}", "Keyspace notifications a live sync received");

    public static readonly Counter<long> SyncApplied = Meter.CreateCounter<long>("distributedcopy.sync.applied", "{key}", "Changed keys a live sync wrote to the target (or deleted there)");

    public static readonly Counter<long> SyncReconciles = Meter.CreateCounter<long>("distributedcopy.sync.reconciles", "{slot}", "Slots (or databases) a live sync copied again after a gap");

    /// <summary>Live syncs running in this process, for the gauges.</summary>
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<Live.SyncStats, byte> Syncs = new();

    /// <summary>No measurement while a feed is unproven: an unknown lag is never reported as a number.</summary>
    public static readonly ObservableGauge<double> SyncLag = Meter.CreateObservableGauge("distributedcopy.sync.lag",
        () => Syncs.Keys.Where(s => s.Unproven is null).Select(s => new Measurement<double>(s.LagSeconds)), "s",
        "Age of the oldest change a live sync has not applied yet (none while a change feed is unproven)");

    /// <summary>A sync by the replication stream only: bytes of its master's stream received and not yet applied.</summary>
    public static readonly ObservableGauge<long> SyncLagBytes = Meter.CreateObservableGauge("distributedcopy.sync.lag.bytes",
        () => Syncs.Keys.Where(s => s.Position is not null).Select(s => new Measurement<long>(s.LagBytes)), "By",
        "Bytes of a source master's replication stream a live sync has received and not applied yet");

    public static readonly ObservableGauge<int> SyncUnproven = Meter.CreateObservableGauge("distributedcopy.sync.feeds.unproven",
        () => Syncs.Keys.Select(s => new Measurement<int>(s.Unproven is null ? 0 : 1)), "{sync}",
        "Live syncs with a change feed not proven now (its canary has not come back)");

    public static readonly Counter<long> SyncCompared = Meter.CreateCounter<long>("distributedcopy.sync.compared", "{key}", "Keys a live sync's comparer compared on both sides");

    public static readonly Counter<long> SyncRepaired = Meter.CreateCounter<long>("distributedcopy.sync.repaired", "{key}", "Keys a live sync's comparer found different and had applied again");

    public static readonly ObservableGauge<int> SyncPending = Meter.CreateObservableGauge("distributedcopy.sync.pending", () => Syncs.Keys.Select(s => new Measurement<int>(s.Pending)), "{key}",
        "Changed keys a live sync has not applied yet");

    public static readonly Histogram<double> BatchDuration = Meter.CreateHistogram<double>("distributedcopy.batch.duration", "ms", "Time to read and write one batch");
}
